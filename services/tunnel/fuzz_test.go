package tunnel

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strconv"
	"testing"
)

// FuzzReadConnect feeds the egress proxy's request reader arbitrary
// bytes: it never panics, and what it accepts is a CONNECT to a
// host:port with a port in range, which the router then takes without
// panicking and, with no tunnel up, never sends to a node.
func FuzzReadConnect(f *testing.F) {
	for _, seed := range []string{
		"CONNECT 10.0.0.5:10250 HTTP/1.1\r\nHost: 10.0.0.5:10250\r\n\r\n",
		"CONNECT edge-1:10250 HTTP/1.1\r\n\r\n",
		"CONNECT [fd00::1]:10250 HTTP/1.1\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		"CONNECT 10.0.0.5 HTTP/1.1\r\n\r\n",
		"CONNECT :0 HTTP/1.1\r\n\r\n",
		"CONNECT a:99999 HTTP/1.1\r\n\r\n",
		"\x00\xff",
	} {
		f.Add([]byte(seed))
	}
	s := NewServer(ServerConfig{LocalNode: "server-1", Logger: slog.New(slog.DiscardHandler),
		NodeIPs: func(context.Context, string) ([]net.IP, error) { return nil, nil }})
	f.Fuzz(func(t *testing.T, data []byte) {
		addr, code, err := readConnect(bufio.NewReader(io.LimitReader(bytes.NewReader(data), 1<<16)))
		if err != nil {
			if code < 400 || code > 499 {
				t.Fatalf("refused with status %d: %v", code, err)
			}
			return
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			t.Fatalf("accepted %q: %v", addr, err)
		}
		if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
			t.Fatalf("accepted port %q", port)
		}
		if node, _ := s.route(context.Background(), host, port); node != "" {
			t.Fatalf("%q routed to node %q with no tunnel up", addr, node)
		}
	})
}
