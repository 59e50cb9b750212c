package joinapi

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"sync"
	"time"
)

// MaxUnauthenticated bounds the connections to the join API that have not
// yet sent a valid token: the port faces every box in the field, and a
// flood of idle or handshaking connections must not starve the agents.
// Connections past the bound wait in the listen queue.
const MaxUnauthenticated = 64

// Timeouts of the join API's server. A tunnel's websocket is hijacked and
// has its deadlines cleared (services/tunnel).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second // bodies are CSRs of a few KB
	writeTimeout      = time.Minute
	idleTimeout       = 2 * time.Minute
)

// NewServer returns the join API's HTTP server for handler h, serving
// TLS with cert, with read, write and idle timeouts. Serve it on
// LimitUnauthenticated(l, MaxUnauthenticated).
func NewServer(h http.Handler, cert tls.Certificate) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ConnContext:       gateContext,
	}
}

// LimitUnauthenticated lets at most n connections of l be open before they
// have authenticated (the handler's auth check marks them).
func LimitUnauthenticated(l net.Listener, n int) net.Listener {
	return &gateListener{Listener: l, slots: make(chan struct{}, n)}
}

type gateListener struct {
	net.Listener
	slots chan struct{}
}

func (g *gateListener) Accept() (net.Conn, error) {
	g.slots <- struct{}{}
	c, err := g.Listener.Accept()
	if err != nil {
		<-g.slots
		return nil, err
	}
	return &gatedConn{Conn: c, release: func() { <-g.slots }}, nil
}

// gatedConn holds a slot until it authenticates or closes.
type gatedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *gatedConn) authenticated() { c.once.Do(c.release) }

func (c *gatedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

type gateKey struct{}

// gateContext makes the connection's gate reachable from its requests.
func gateContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if g, ok := c.(*gatedConn); ok {
		return context.WithValue(ctx, gateKey{}, g)
	}
	return ctx
}

// markAuthenticated frees the slot of the request's connection.
func markAuthenticated(r *http.Request) {
	if g, ok := r.Context().Value(gateKey{}).(*gatedConn); ok {
		g.authenticated()
	}
}
