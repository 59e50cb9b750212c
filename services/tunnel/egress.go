package tunnel

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Timeouts of the egress proxy.
const (
	requestTimeout = 10 * time.Second // to read a CONNECT request
	dialTimeout    = 30 * time.Second // to reach its target
)

// maxSocketPath is what fits in sun_path.
const maxSocketPath = 107

// DialEgress dials address (host:port) for kube-apiserver: through the
// tunnel of the node the address belongs to when it is that node's
// kubelet port and the node has a tunnel, directly otherwise. via says
// which ("tunnel" or "direct").
func (s *Server) DialEgress(ctx context.Context, address string) (conn net.Conn, via string, err error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, "", fmt.Errorf("egress: %w", err)
	}
	if node, target := s.route(ctx, host, port); node != "" {
		conn, err := s.dialNode(ctx, node, target)
		return conn, "tunnel", err
	}
	conn, err = s.direct(ctx, "tcp", address)
	return conn, "direct", err
}

// route returns the node whose tunnel carries a connection to host:port,
// and the address to ask that node for; no node means dial directly.
func (s *Server) route(ctx context.Context, host, port string) (node, target string) {
	if port != kubeletPort {
		return "", ""
	}
	ip := net.ParseIP(host)
	if ip == nil {
		// A kubelet by node name (kube-apiserver tries names last): the
		// agent reaches its own kubelet on loopback.
		if host == s.cfg.LocalNode || !s.Connected(host) {
			return "", ""
		}
		return host, net.JoinHostPort("127.0.0.1", port)
	}
	if ip.IsLoopback() || slices.ContainsFunc(s.cfg.LocalIPs, ip.Equal) {
		return "", ""
	}
	owners := s.owners(ctx, ip)
	switch {
	case len(owners) == 1 && owners[0] != s.cfg.LocalNode:
		return owners[0], net.JoinHostPort(ip.String(), port)
	case len(owners) > 1:
		// Two Node objects hold one address: sending either node the
		// other's traffic would be wrong, so the tunnels carry neither.
		s.log.Warn("egress: several nodes with tunnels registered this address; dialling it directly", "ip", ip, "nodes", owners)
	}
	return "", ""
}

// Egress is the HTTP CONNECT proxy kube-apiserver's egress selector
// dials, on a unix socket only the server's user can open.
type Egress struct {
	s    *Server
	l    net.Listener
	path string
	wg   sync.WaitGroup

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// ListenEgress serves the egress proxy on the unix socket path (mode
// 0600), replacing a stale socket left by an earlier run.
func (s *Server) ListenEgress(path string) (*Egress, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("egress socket %s: the path is longer than %d bytes", path, maxSocketPath)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("egress socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("egress socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return nil, fmt.Errorf("egress socket: %w", err)
	}
	e := &Egress{s: s, l: l, path: path, conns: map[net.Conn]struct{}{}}
	e.wg.Go(e.serve)
	return e, nil
}

// Path is the socket's path.
func (e *Egress) Path() string { return e.path }

// Close stops the proxy and ends the connections it carries.
func (e *Egress) Close() error {
	err := e.l.Close()
	e.mu.Lock()
	e.closed = true
	for c := range e.conns {
		c.Close()
	}
	e.mu.Unlock()
	e.wg.Wait()
	return err
}

func (e *Egress) serve() {
	for {
		c, err := e.l.Accept()
		if err != nil {
			return
		}
		if !e.track(c) {
			c.Close()
			return
		}
		e.wg.Go(func() {
			defer e.untrack(c)
			e.handle(c)
		})
	}
}

func (e *Egress) track(c net.Conn) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false
	}
	e.conns[c] = struct{}{}
	return true
}

func (e *Egress) untrack(c net.Conn) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.conns, c)
}

// handle answers one CONNECT request and then copies bytes both ways.
func (e *Egress) handle(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReader(c)
	addr, code, err := readConnect(br)
	if err != nil {
		reply(c, code, err.Error())
		return
	}
	c.SetReadDeadline(time.Time{})
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	backend, via, err := e.s.DialEgress(ctx, addr)
	cancel()
	if err != nil {
		e.s.log.Debug("egress: dial failed", "addr", addr, "via", via, "err", err)
		reply(c, http.StatusBadGateway, err.Error())
		return
	}
	defer backend.Close()
	e.s.log.Debug("egress", "addr", addr, "via", via)
	if _, err := io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	pipe(&bufferedConn{Conn: c, r: br}, backend)
}

// readConnect reads one request and returns the host:port a CONNECT
// asks for, or the status to refuse it with.
func readConnect(br *bufio.Reader) (addr string, code int, err error) {
	req, err := http.ReadRequest(br)
	if err != nil {
		return "", http.StatusBadRequest, fmt.Errorf("malformed request: %w", err)
	}
	if req.Method != http.MethodConnect {
		return "", http.StatusMethodNotAllowed, errors.New("only CONNECT is served here")
	}
	_, port, err := net.SplitHostPort(req.Host)
	if err != nil {
		return "", http.StatusBadRequest, fmt.Errorf("CONNECT target %q: %w", req.Host, err)
	}
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", http.StatusBadRequest, fmt.Errorf("CONNECT target %q: port %q is not 1-65535", req.Host, port)
	}
	return req.Host, 0, nil
}

// reply writes a short HTTP answer that ends the exchange.
func reply(c net.Conn, code int, msg string) {
	fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		code, http.StatusText(code), len(msg), msg)
}

// bufferedConn reads what the request reader already buffered first.
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// pipe copies a to b and b to a until either side ends, then closes both.
func pipe(a, b net.Conn) {
	done := make(chan struct{}, 2)
	cp := func(dst, src net.Conn) {
		io.Copy(dst, src)
		done <- struct{}{}
	}
	go cp(a, b)
	go cp(b, a)
	<-done
	a.Close()
	b.Close()
	<-done
}
