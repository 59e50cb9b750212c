package joinapi

import (
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"
)

// serveGated serves the env's handler through the join API's own server
// with a bound of n unauthenticated connections.
func serveGated(t *testing.T, e *env, n int) string {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(e.certs.ServingSupervisor.Cert, e.certs.ServingSupervisor.Key)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(e.handler, pair)
	go srv.ServeTLS(LimitUnauthenticated(l, n), "", "")
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

// TestUnauthenticatedConnectionsAreBounded: idle connections that never
// authenticate hold the slots; once they are taken a new connection is
// not served, and it is as soon as one closes or one authenticates.
func TestUnauthenticatedConnectionsAreBounded(t *testing.T) {
	e := newEnv(t)
	addr := serveGated(t, e, 2)
	var idle []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
		t.Cleanup(func() { c.Close() })
	}
	ping := func() error {
		c := &http.Client{Timeout: time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
		defer c.CloseIdleConnections()
		resp, err := c.Get("https://" + addr + "/ping")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := ping(); err == nil {
		t.Fatal("a third connection was served while two unauthenticated ones held the slots")
	}
	idle[0].Close()
	deadline := time.Now().Add(10 * time.Second)
	for ping() != nil {
		if time.Now().After(deadline) {
			t.Fatal("no connection served after a slot was freed")
		}
	}

	// An authenticated keep-alive connection gives its slot back.
	c := e.client(t, e.agent)
	c.base = "https://" + addr
	if _, err := c.Config(ctx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Config(ctx(t)); err != nil {
		t.Fatal(err)
	}
	// idle[1] and the authenticated connection are open; one slot is free.
	if err := ping(); err != nil {
		t.Errorf("authenticated connection still holds a slot: %v", err)
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := NewServer(http.NotFoundHandler(), tls.Certificate{})
	if srv.ReadHeaderTimeout == 0 || srv.ReadTimeout == 0 || srv.WriteTimeout == 0 || srv.IdleTimeout == 0 {
		t.Errorf("timeouts %v %v %v %v", srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout)
	}
}
