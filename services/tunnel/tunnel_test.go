package tunnel

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apiserver/pkg/server/egressselector"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
	"github.com/outpost-os/outpost/services/token"
)

// The agent's node IP is a documentation address: nothing on this machine
// answers it, and the tests' direct dialer refuses everything, so a byte
// that reaches the fake kubelet went through the tunnel.
var nodeIP = net.ParseIP("192.0.2.10")

const nodeAddr = "192.0.2.10:10250"

var quiet = slog.New(slog.DiscardHandler)

// dialLog records the addresses a dialer was asked for.
type dialLog struct {
	mu    sync.Mutex
	addrs []string
}

func (d *dialLog) add(a string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.addrs = append(d.addrs, a)
}

func (d *dialLog) list() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.Clone(d.addrs)
}

// env is a join API with a tunnel server, its egress proxy, a fake kubelet
// only the agent can reach, and what each dialer was asked for.
type env struct {
	t       *testing.T
	js      *joinapitest.Server
	caPEM   []byte
	tun     *Server
	egress  *Egress
	kubelet *httptest.Server
	hits    *dialLog // requests the fake kubelet served
	direct  *dialLog // the server's direct dials (all refused)
	agent   *dialLog // the agent's local dials
	url     string   // join API
	stop    func()   // stops the join API
	addr    string   // its host:port

	mu    sync.Mutex
	nodes map[string][]net.IP // the addresses of the registered Nodes
}

// register sets the addresses node's Node object holds.
func (e *env) register(node string, ips ...net.IP) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nodes[node] = ips
}

func (e *env) nodeIPs(_ context.Context, node string) ([]net.IP, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.nodes[node]), nil
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, js: joinapitest.Start(t), hits: &dialLog{}, direct: &dialLog{}, agent: &dialLog{},
		nodes: map[string][]net.IP{"edge-1": {nodeIP}}}
	e.caPEM = e.js.Certs.ServerCA.CertPEM
	e.kubelet = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.hits.add(r.URL.Path)
		fmt.Fprintf(w, "logs of %s from behind the NAT", r.URL.Path)
	}))
	t.Cleanup(e.kubelet.Close)
	e.tun = e.newServer()
	e.serveJoin("127.0.0.1:0")
	var err error
	if e.egress, err = e.tun.ListenEgress(filepath.Join(t.TempDir(), "egress.sock")); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.egress.Close() })
	return e
}

func (e *env) newServer() *Server {
	s := NewServer(ServerConfig{LocalNode: "server-1", LocalIPs: []net.IP{net.ParseIP("192.0.2.1")}, Logger: quiet, NodeIPs: e.nodeIPs,
		Direct: func(_ context.Context, _, addr string) (net.Conn, error) {
			e.direct.add(addr)
			return nil, errors.New("direct dial refused by the test")
		}})
	e.t.Cleanup(s.Close)
	return s
}

// serveJoin serves the real join API, routed to e.tun, on addr.
func (e *env) serveJoin(addr string) {
	e.t.Helper()
	h, err := joinapi.New(joinapi.Config{Certs: e.js.Certs, ServerToken: e.js.ServerToken, AgentToken: e.js.AgentToken,
		Passwords: joinapi.NewSecretStore(e.js.Kube), Logger: quiet, Tunnel: e.tun})
	if err != nil {
		e.t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(e.js.Certs.ServingSupervisor.Cert, e.js.Certs.ServingSupervisor.Key)
	if err != nil {
		e.t.Fatal(err)
	}
	var l net.Listener
	for range 50 { // the port of a stopped server may take a moment to free
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		e.t.Fatal(err)
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}}}
	go srv.ServeTLS(l, "", "")
	e.addr = l.Addr().String()
	e.url = "https://" + e.addr
	e.stop = func() { srv.Close(); e.tun.Close() }
	e.t.Cleanup(func() { srv.Close() })
}

// client returns an agent tunnel client for node with password whose
// local dials of nodeAddr reach the fake kubelet.
func (e *env) client(node, password string, tok ...string) *Client {
	e.t.Helper()
	t := e.js.AgentToken
	if len(tok) > 0 {
		bad, err := token.New(t.User(), tok[0], e.caPEM)
		if err != nil {
			e.t.Fatal(err)
		}
		t = bad
	}
	jc, err := joinapi.NewClient(e.url, t, e.caPEM)
	if err != nil {
		e.t.Fatal(err)
	}
	ep := jc.TunnelEndpoint(&joinapi.NodeIdentity{Name: node, Password: password, IPs: []net.IP{nodeIP}})
	return &Client{URL: ep.URL, RenewURL: ep.RenewURL, Header: ep.Header, TLS: ep.TLS, NodeIPs: []net.IP{nodeIP}, Logger: quiet,
		MinRetry: 20 * time.Millisecond, MaxRetry: 200 * time.Millisecond,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			e.agent.add(addr)
			if addr != nodeAddr {
				return nil, fmt.Errorf("the test agent has nothing at %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, e.kubelet.Listener.Addr().String())
		}}
}

// run runs c until the test ends.
func (e *env) run(c *Client) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx); close(done) }()
	e.t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if f() {
			return
		}
	}
	t.Fatalf("%s: not after 10s", what)
}

// apiserverDialer is the dialer kube-apiserver builds for its "cluster"
// traffic from the egress configuration Outpost writes.
func (e *env) apiserverDialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	e.t.Helper()
	path := filepath.Join(e.t.TempDir(), "egress.yaml")
	if err := WriteEgressConfig(path, e.egress.Path()); err != nil {
		e.t.Fatal(err)
	}
	cfg, err := egressselector.ReadEgressSelectorConfiguration(path)
	if err != nil {
		e.t.Fatal(err)
	}
	if errs := egressselector.ValidateEgressSelectorConfiguration(cfg); len(errs) > 0 {
		e.t.Fatal(errs.ToAggregate())
	}
	sel, err := egressselector.NewEgressSelector(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	dial, err := sel.Lookup(egressselector.Cluster.AsNetworkContext())
	if err != nil || dial == nil {
		e.t.Fatalf("no cluster dialer: %v", err)
	}
	return dial
}

// kubeletGet fetches path from the node's kubelet as kube-apiserver
// would, verifying the fake kubelet's certificate.
func (e *env) kubeletGet(path string) (string, error) {
	pool := x509.NewCertPool()
	pool.AddCert(e.kubelet.Certificate())
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:     e.apiserverDialer(),
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: "example.com"},
	}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("https://" + nodeAddr + path)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return string(body), err
}

func TestKubeletThroughTunnel(t *testing.T) {
	e := newEnv(t)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "tunnel of edge-1", func() bool { return e.tun.Connected("edge-1") })

	body, err := e.kubeletGet("/containerLogs/default/web/app")
	if err != nil {
		t.Fatal(err)
	}
	if body != "logs of /containerLogs/default/web/app from behind the NAT" {
		t.Errorf("body %q", body)
	}
	if got := e.hits.list(); !slices.Equal(got, []string{"/containerLogs/default/web/app"}) {
		t.Errorf("kubelet served %q", got)
	}
	if got := e.agent.list(); !slices.Equal(got, []string{nodeAddr}) {
		t.Errorf("agent dialled %q, want the node's kubelet once", got)
	}
	if got := e.direct.list(); len(got) != 0 {
		t.Errorf("the server dialled %q directly", got)
	}
}

// Without a tunnel, the same request is dialled directly (and here
// refused): nothing else could have carried the bytes above.
func TestNoTunnelDialsDirectly(t *testing.T) {
	e := newEnv(t)
	if _, err := e.kubeletGet("/containerLogs/default/web/app"); err == nil || !strings.Contains(err.Error(), "502") {
		t.Fatalf("err = %v, want the proxy's 502", err)
	}
	if got := e.direct.list(); !slices.Equal(got, []string{nodeAddr}) {
		t.Errorf("direct dials %q", got)
	}
	if len(e.hits.list()) != 0 {
		t.Error("the kubelet was reached without a tunnel")
	}
}

// connectRaw sends CONNECT addr to the egress proxy and returns the status
// line.
func (e *env) connectRaw(addr string) string {
	e.t.Helper()
	c, err := net.Dial("unix", e.egress.Path())
	if err != nil {
		e.t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", addr)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.Status
}

func TestTunnelCarriesOnlyTheKubeletPort(t *testing.T) {
	e := newEnv(t)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "tunnel of edge-1", func() bool { return e.tun.Connected("edge-1") })

	// Another port of the node, another host, the server's own address,
	// a loopback address: not through the tunnel (direct, refused here).
	for _, addr := range []string{"192.0.2.10:22", "192.0.2.10:10255", "192.0.2.99:10250", "192.0.2.1:10250", "127.0.0.1:10250", "edge-1:22"} {
		if got := e.connectRaw(addr); !strings.HasPrefix(got, "502") {
			t.Errorf("CONNECT %s: %s, want 502", addr, got)
		}
	}
	if got := e.agent.list(); len(got) != 0 {
		t.Errorf("the agent was asked to dial %q", got)
	}
	if got := e.connectRaw(nodeAddr); !strings.HasPrefix(got, "200") {
		t.Errorf("CONNECT %s: %s", nodeAddr, got)
	}
	// By node name, the agent dials its kubelet on loopback (which this
	// test agent does not serve: it has only nodeAddr).
	if got := e.connectRaw("edge-1:10250"); !strings.HasPrefix(got, "200") {
		t.Errorf("CONNECT edge-1:10250: %s", got)
	}
	waitFor(t, "agent dials", func() bool { return len(e.agent.list()) == 2 })
	if got := e.agent.list(); !slices.Equal(got, []string{nodeAddr, "127.0.0.1:10250"}) {
		t.Errorf("agent dials %q", got)
	}

	// The server's guard refuses what the tunnel must not carry, even
	// when asked directly.
	for _, addr := range []string{"192.0.2.10:22", "192.0.2.99:10250", "[::2]:10250", "example.com:10250"} {
		if _, err := e.tun.dialNode(context.Background(), "edge-1", addr); err == nil {
			t.Errorf("dialNode %s: allowed", addr)
		}
	}
	if _, err := e.tun.dialNode(context.Background(), "edge-2", nodeAddr); err == nil {
		t.Error("edge-1's address allowed through edge-2's tunnel")
	}
}

// A server that sends a forbidden request anyway (bypassing its guard) is
// refused by the agent, which dials nothing and reconnects.
func TestAgentRefusesForbiddenDial(t *testing.T) {
	e := newEnv(t)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "tunnel of edge-1", func() bool { return e.tun.Connected("edge-1") })
	for _, addr := range []string{"192.0.2.10:22", "10.0.0.1:10250"} {
		c, err := e.tun.rd.Dialer("edge-1")(context.Background(), "tcp", addr)
		if err == nil {
			c.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Read(make([]byte, 1)); err == nil {
				t.Errorf("%s: read through a refused connection", addr)
			}
			c.Close()
		}
		waitFor(t, "tunnel back", func() bool { return e.tun.Connected("edge-1") })
	}
	if got := e.agent.list(); len(got) != 0 {
		t.Errorf("agent dialled %q", got)
	}
	c := e.client("edge-1", "pw-1")
	for addr, want := range map[string]bool{
		nodeAddr: true, "127.0.0.1:10250": true, "[::1]:10250": true,
		"192.0.2.10:22": false, "127.0.0.1:22": false, "192.0.2.11:10250": false, "localhost:10250": false, "nonsense": false,
	} {
		if got := c.Allowed("tcp", addr); got != want {
			t.Errorf("Allowed(tcp, %s) = %v", addr, got)
		}
	}
	if c.Allowed("udp", nodeAddr) || c.Allowed("unix", nodeAddr) {
		t.Error("non-TCP allowed")
	}
}

func TestTunnelNeedsTokenAndNodePassword(t *testing.T) {
	e := newEnv(t)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "tunnel of edge-1", func() bool { return e.tun.Connected("edge-1") })

	for _, tc := range []struct {
		name string
		c    *Client
		code int
	}{
		{"another box claiming edge-1", e.client("edge-1", "pw-other"), http.StatusForbidden},
		{"wrong token", e.client("edge-2", "pw-2", "not-the-secret"), http.StatusUnauthorized},
	} {
		_, err := tc.c.connect(context.Background(), quiet)
		var he *HandshakeError
		if !errors.As(err, &he) || he.Code != tc.code {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.code)
		}
	}
	// No session was added for either.
	if e.tun.Connected("edge-2") {
		t.Error("edge-2 has a tunnel")
	}
	e.tun.mu.Lock()
	n := len(e.tun.sessions)
	e.tun.mu.Unlock()
	if n != 1 {
		t.Errorf("%d sessions, want edge-1's only", n)
	}
}

func TestTunnelReconnectsAfterServerRestart(t *testing.T) {
	e := newEnv(t)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "tunnel of edge-1", func() bool { return e.tun.Connected("edge-1") })

	e.stop()
	old := e.tun
	waitFor(t, "old session gone", func() bool { return !old.Connected("edge-1") })
	e.tun = e.newServer()
	e.egress.Close()
	var err error
	if e.egress, err = e.tun.ListenEgress(e.egress.Path()); err != nil {
		t.Fatal(err)
	}
	e.serveJoin(e.addr)
	waitFor(t, "tunnel of edge-1 after the restart", func() bool { return e.tun.Connected("edge-1") })
	body, err := e.kubeletGet("/containerLogs/default/web/app")
	if err != nil || !strings.Contains(body, "behind the NAT") {
		t.Fatalf("after the restart: %q, %v", body, err)
	}
}

// TestClaimedAddressCarriesNothing: an agent that says it has another
// node's address (its header claims edge-1's) gets none of that node's
// traffic: the tunnels route by the addresses the Node objects hold.
func TestClaimedAddressCarriesNothing(t *testing.T) {
	e := newEnv(t)
	e.register("edge-2", net.ParseIP("192.0.2.20"))
	e.run(e.client("edge-2", "pw-2"))
	waitFor(t, "tunnel of edge-2", func() bool { return e.tun.Connected("edge-2") })
	if got := e.connectRaw(nodeAddr); !strings.HasPrefix(got, "502") {
		t.Errorf("CONNECT %s with edge-1 offline: %s, want 502 (direct)", nodeAddr, got)
	}
	if got := e.agent.list(); len(got) != 0 {
		t.Errorf("edge-2 was asked to dial %q, edge-1's address", got)
	}
	// Two Node objects holding one address: neither tunnel carries it.
	e.register("edge-2", nodeIP)
	e.run(e.client("edge-1", "pw-1"))
	waitFor(t, "both tunnels", func() bool { return e.tun.Connected("edge-1") && e.tun.Connected("edge-2") })
	if got := e.connectRaw(nodeAddr); !strings.HasPrefix(got, "502") {
		t.Errorf("CONNECT %s held by two nodes: %s, want 502 (direct)", nodeAddr, got)
	}
	if got := e.agent.list(); len(got) != 0 {
		t.Errorf("an agent was asked to dial %q", got)
	}
}

func TestEgressConfig(t *testing.T) {
	data, err := EgressConfig("/var/lib/outpost/server/egress.sock")
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: apiserver.k8s.io/v1beta1
egressSelections:
- connection:
    proxyProtocol: HTTPConnect
    transport:
      uds:
        udsName: /var/lib/outpost/server/egress.sock
  name: cluster
kind: EgressSelectorConfiguration
`
	if string(data) != want {
		t.Errorf("got\n%s\nwant\n%s", data, want)
	}
	path := filepath.Join(t.TempDir(), "etc", "egress.yaml")
	if err := WriteEgressConfig(path, "/x.sock"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("stat: %v %v", st, err)
	}
}

func TestEgressSocketIsPrivate(t *testing.T) {
	e := newEnv(t)
	st, err := os.Stat(e.egress.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 || st.Mode()&os.ModeSocket == 0 {
		t.Errorf("mode %v", st.Mode())
	}
	c, err := net.Dial("unix", e.egress.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp, err)
	}
	if _, err := e.tun.ListenEgress("/" + strings.Repeat("x", 120)); err == nil {
		t.Error("a socket path too long for sun_path was accepted")
	}
}

// TestTunnelAfterTokenRotation: a node that joined holds a token the
// server no longer takes (401); its tunnel moves to the route that needs
// only its node password, and a box that never claimed the name gets no
// tunnel that way.
func TestTunnelAfterTokenRotation(t *testing.T) {
	e := newEnv(t)
	// edge-1 joined: its name is claimed with its password.
	if err := joinapi.CheckNodePassword(context.Background(), joinapi.NewSecretStore(e.js.Kube), "edge-1", "pw-1", nil); err != nil {
		t.Fatal(err)
	}
	rotated := e.client("edge-1", "pw-1", "an-old-rotated-secret")
	e.run(rotated)
	waitFor(t, "tunnel of edge-1 with the node password", func() bool { return e.tun.Connected("edge-1") })
	stranger := e.client("edge-9", "pw-9", "an-old-rotated-secret")
	stranger.URL = stranger.RenewURL
	_, err := stranger.connect(context.Background(), quiet)
	var he *HandshakeError
	if !errors.As(err, &he) || he.Code != http.StatusForbidden {
		t.Errorf("an unclaimed name on the renewal route: %v, want 403", err)
	}
}
