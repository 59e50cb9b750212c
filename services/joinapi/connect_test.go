package joinapi

import (
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// fakeTunnel records the agents handed to it.
type fakeTunnel struct{ got []string }

func (f *fakeTunnel) ServeAgent(w http.ResponseWriter, _ *http.Request, node string) {
	f.got = append(f.got, node)
	w.WriteHeader(http.StatusTeapot)
}

func TestConnectChecksTheNode(t *testing.T) {
	e := newEnv(t)
	ft := &fakeTunnel{}
	h, err := New(Config{Certs: e.certs, ServerToken: e.server, AgentToken: e.agent, Passwords: NewSecretStore(e.kube),
		Logger: slog.New(slog.DiscardHandler), Tunnel: ft})
	if err != nil {
		t.Fatal(err)
	}
	call := func(h http.Handler, user, secret, node, password, ips string) int {
		r := httptest.NewRequest(http.MethodGet, Prefix+ConnectPath, nil)
		if user != "" {
			r.SetBasicAuth(user, secret)
		}
		for k, v := range map[string]string{HeaderNodeName: node, HeaderNodePassword: password, HeaderNodeIP: ips} {
			if v != "" {
				r.Header.Set(k, v)
			}
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	agent := e.agent.Secret()
	for _, tc := range []struct {
		name                        string
		user, secret, node, pw, ips string
		want                        int
	}{
		{"no token", "", "", "edge-1", "pw-1", "192.0.2.10", http.StatusUnauthorized},
		{"wrong token", "node", "nope", "edge-1", "pw-1", "192.0.2.10", http.StatusUnauthorized},
		{"no node name", "node", agent, "", "pw-1", "192.0.2.10", http.StatusBadRequest},
		{"no password", "node", agent, "edge-1", "", "192.0.2.10", http.StatusBadRequest},
		{"the server's node name", "node", agent, "server-1", "pw-s", "", http.StatusForbidden},
		{"first claim", "node", agent, "edge-1", "pw-1", "192.0.2.10, 2001:db8::10", http.StatusTeapot},
		{"again, no address claimed", "node", agent, "edge-1", "pw-1", "", http.StatusTeapot},
		{"another box, same name", "node", agent, "edge-1", "pw-2", "192.0.2.11", http.StatusForbidden},
	} {
		if got := call(h, tc.user, tc.secret, tc.node, tc.pw, tc.ips); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	if want := []string{"edge-1", "edge-1"}; !slices.Equal(ft.got, want) {
		t.Errorf("tunnel got %q, want %q", ft.got, want)
	}
	// Without a tunnel server, the route is not found (after auth).
	if got := call(e.handler, "node", agent, "edge-1", "pw-1", "192.0.2.10"); got != http.StatusNotFound {
		t.Errorf("no tunnel server: %d, want 404", got)
	}
}

func TestTunnelEndpoint(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	ep := c.TunnelEndpoint(&NodeIdentity{Name: "edge-1", Password: "pw-1", IPs: []net.IP{net.ParseIP("192.0.2.10")}})
	if want := "wss://" + e.srv.Listener.Addr().String() + "/v1-outpost/connect"; ep.URL != want {
		t.Errorf("URL %q, want %q", ep.URL, want)
	}
	r := &http.Request{Header: ep.Header}
	if u, p, ok := r.BasicAuth(); !ok || u != "node" || p != e.agent.Secret() {
		t.Error("no basic auth with the agent token")
	}
	if ep.Header.Get(HeaderNodeName) != "edge-1" || ep.Header.Get(HeaderNodePassword) != "pw-1" || ep.Header.Get(HeaderNodeIP) != "192.0.2.10" {
		t.Errorf("headers %v", ep.Header)
	}
	if ep.TLS == nil || ep.TLS.RootCAs == nil || ep.TLS.InsecureSkipVerify {
		t.Error("the TLS configuration does not pin the server CA")
	}
}
