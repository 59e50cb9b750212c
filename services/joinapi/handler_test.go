package joinapi

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/outpost-os/outpost/services/token"
)

func TestFetchCAPinsTheTokenHash(t *testing.T) {
	e := newEnv(t)
	got, err := FetchCA(ctx(t), e.srv.URL, e.agent)
	if err != nil {
		t.Fatalf("right hash refused: %v", err)
	}
	if !bytes.Equal(got, e.certs.ServerCA.CertPEM) {
		t.Error("FetchCA did not return server-ca.crt's bytes")
	}
	wrong := e.agent.WithCA([]byte("some other CA"))
	_, err = FetchCA(ctx(t), e.srv.URL, wrong)
	if err == nil || !strings.Contains(err.Error(), wrong.CAHash()) || !strings.Contains(err.Error(), token.CAHash(got)) {
		t.Fatalf("wrong hash: want an error naming both hashes, got %v", err)
	}
	bare, _ := token.Parse(e.agent.Secret())
	if _, err := FetchCA(ctx(t), e.srv.URL, bare); err != nil {
		t.Errorf("bare secret refused: %v", err)
	}
	if _, err := FetchCA(ctx(t), "http://"+e.srv.Listener.Addr().String(), e.agent); err == nil {
		t.Error("plain http URL accepted")
	}
}

// A server that serves the real CA but whose own certificate is not from
// it (a man in the middle that copied /cacerts) is refused.
func TestFetchCARefusesServerNotFromCA(t *testing.T) {
	e := newEnv(t)
	mitm := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write(e.certs.ServerCA.CertPEM)
	}))
	defer mitm.Close()
	_, err := FetchCA(ctx(t), mitm.URL, e.agent)
	if err == nil || !strings.Contains(err.Error(), "not signed by the CA") {
		t.Fatalf("want refusal, got %v", err)
	}
}

func TestNoAuthEndpoints(t *testing.T) {
	e := newEnv(t)
	c := e.srv.Client()
	for path, want := range map[string]string{"/ping": "pong", "/cacerts": string(e.certs.ServerCA.CertPEM)} {
		resp, err := c.Get(e.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("%s: %d %q", path, resp.StatusCode, body)
		}
	}
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: poolOf(e)}}}
	defer hc.CloseIdleConnections()
	// admin is the status of the admin kubeconfig, which only the server
	// token (as user server) gets.
	for name, c := range map[string]struct {
		user, pass  string
		want, admin int
	}{
		"none":                  {"", "", 401, 401},
		"wrong secret":          {"node", "not-the-secret", 401, 401},
		"server user, agent pw": {"server", e.agent.Secret(), 401, 401},
		"unknown user":          {"admin", e.server.Secret(), 401, 401},
		"agent token":           {"node", e.agent.Secret(), 200, 403},
		"server token":          {"server", e.server.Secret(), 200, 200},
		"node user, server pw":  {"node", e.server.Secret(), 200, 403},
	} {
		t.Run(name, func(t *testing.T) {
			for _, path := range []string{"client-ca.crt", "server-ca.crt", "config", "client-kube-proxy.crt", KubeconfigPath} {
				want := c.want
				if path == KubeconfigPath {
					want = c.admin
				}
				req, _ := http.NewRequestWithContext(ctx(t), "GET", e.srv.URL+Prefix+path, nil)
				if c.user != "" {
					req.SetBasicAuth(c.user, c.pass)
				}
				resp, err := hc.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != want {
					t.Errorf("%s: status %d, want %d", path, resp.StatusCode, want)
				}
				if want == 401 && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
					t.Errorf("%s: 401 without WWW-Authenticate", path)
				}
				if want != 200 && bytes.Contains(body, []byte("BEGIN")) {
					t.Errorf("%s: refused answer holds PEM data", path)
				}
			}
		})
	}
}

func poolOf(e *env) *x509.CertPool {
	p := x509.NewCertPool()
	p.AppendCertsFromPEM(e.certs.ServerCA.CertPEM)
	return p
}

func TestSignKubeletCertificates(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	node := &NodeIdentity{Name: "edge-2", Password: "node-password-1", IPs: []net.IP{net.ParseIP("192.168.1.12"), net.ParseIP("fd00::12")}}

	csr, key := newCSRPEM(t, []net.IP{net.ParseIP("10.9.9.9")})
	out, err := c.PostCSR(ctx(t), "client-kubelet.crt", csr, node)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseChain(t, out)[0]
	if leaf.Subject.CommonName != "system:node:edge-2" || !slices.Equal(leaf.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("client-kubelet subject %v", leaf.Subject)
	}
	if len(leaf.IPAddresses) != 0 || len(leaf.DNSNames) != 0 || !key.PublicKey.Equal(leaf.PublicKey) {
		t.Errorf("client-kubelet SANs %v %v or key wrong", leaf.DNSNames, leaf.IPAddresses)
	}
	verifies(t, leaf, e.certs.ClientCA, x509.ExtKeyUsageClientAuth)

	csr, _ = newCSRPEM(t, nil)
	out, err = c.PostCSR(ctx(t), "serving-kubelet.crt", csr, node)
	if err != nil {
		t.Fatal(err)
	}
	leaf = parseChain(t, out)[0]
	if leaf.Subject.CommonName != "system:node:edge-2" || !slices.Equal(leaf.DNSNames, []string{"edge-2"}) ||
		!slices.Equal(ips(leaf.IPAddresses), []string{"192.168.1.12", "fd00::12"}) {
		t.Errorf("serving-kubelet %v SANs %v %v", leaf.Subject, leaf.DNSNames, leaf.IPAddresses)
	}
	verifies(t, leaf, e.certs.KubeletCA, x509.ExtKeyUsageServerAuth)
	// A kubelet's certificate never passes for the API server or the join
	// API: it does not chain to server-ca, which kubeconfigs and pods trust.
	pool := x509.NewCertPool()
	pool.AddCert(e.certs.ServerCA.Cert)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool}); err == nil {
		t.Error("a kubelet serving certificate verifies against server-ca")
	}

	// Without the IP header, the CSR's addresses are used.
	csr, _ = newCSRPEM(t, []net.IP{net.ParseIP("192.168.1.13")})
	out, err = c.PostCSR(ctx(t), "serving-kubelet.crt", csr, &NodeIdentity{Name: node.Name, Password: node.Password})
	if err != nil {
		t.Fatal(err)
	}
	if got := ips(parseChain(t, out)[0].IPAddresses); !slices.Equal(got, []string{"192.168.1.13"}) {
		t.Errorf("IPs from CSR: %v", got)
	}

	sec, err := e.kube.CoreV1().Secrets("kube-system").Get(ctx(t), "edge-2.node-password.outpost", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("node password secret: %v", err)
	}
	if sec.Type != "outpost.io/node-password" || bytes.Contains(sec.Data["hash"], []byte(node.Password)) {
		t.Errorf("secret type %q, hash %q", sec.Type, sec.Data["hash"])
	}
	if ok, err := VerifyPassword(string(sec.Data["hash"]), node.Password); !ok || err != nil {
		t.Errorf("stored hash does not verify: %v", err)
	}
}

func ips(in []net.IP) []string {
	var out []string
	for _, ip := range in {
		out = append(out, ip.String())
	}
	return out
}

func TestNodePasswordSecondClaimant(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	first := &NodeIdentity{Name: "edge-3", Password: "first-box"}
	csr, _ := newCSRPEM(t, nil)
	if _, err := c.PostCSR(ctx(t), "client-kubelet.crt", csr, first); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"client-kubelet.crt", "serving-kubelet.crt"} {
		_, err := c.PostCSR(ctx(t), ep, csr, &NodeIdentity{Name: "edge-3", Password: "second-box", IPs: []net.IP{net.ParseIP("10.0.0.3")}})
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusForbidden {
			t.Errorf("%s: second claimant got %v, want 403", ep, err)
		} else if strings.Contains(se.Message, "second-box") || strings.Contains(se.Message, "first-box") {
			t.Errorf("403 message leaks a password: %s", se.Message)
		}
	}
	if _, err := c.PostCSR(ctx(t), "serving-kubelet.crt", csr, &NodeIdentity{Name: "edge-3", Password: "first-box", IPs: []net.IP{net.ParseIP("10.0.0.3")}}); err != nil {
		t.Errorf("same password refused: %v", err)
	}
	// The server token is no way around the node password.
	sc := e.client(t, e.server)
	if _, err := sc.PostCSR(ctx(t), "client-kubelet.crt", csr, &NodeIdentity{Name: "edge-3", Password: "x"}); err == nil {
		t.Error("server token bypassed the node password")
	}
}

func TestBadNodeRequests(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	good, _ := newCSRPEM(t, nil)
	tampered := bytes.Clone(good)
	tampered[len(tampered)/2] ^= 1
	for name, r := range map[string]struct {
		csr  []byte
		node NodeIdentity
		ip   string
		want string
	}{
		"no name":        {good, NodeIdentity{Password: "p"}, "", HeaderNodeName},
		"upper name":     {good, NodeIdentity{Name: "Edge", Password: "p"}, "", "lowercase"},
		"reserved name":  {good, NodeIdentity{Name: "kubernetes.default", Password: "p"}, "", "reserved"},
		"localhost":      {good, NodeIdentity{Name: "localhost", Password: "p"}, "", "reserved"},
		"no password":    {good, NodeIdentity{Name: "n1"}, "", HeaderNodePassword},
		"not PEM":        {[]byte("hello"), NodeIdentity{Name: "n1", Password: "p"}, "", "PEM"},
		"tampered CSR":   {tampered, NodeIdentity{Name: "n1", Password: "p"}, "", "request"},
		"loopback IP":    {good, NodeIdentity{Name: "n1", Password: "p"}, "127.0.0.1", "unicast"},
		"bad IP":         {good, NodeIdentity{Name: "n1", Password: "p"}, "1.2.3", "not an IP"},
		"too large body": {bytes.Repeat([]byte("a"), maxCSRBytes+10), NodeIdentity{Name: "n1", Password: "p"}, "", "larger"},
	} {
		t.Run(name, func(t *testing.T) {
			h := c.headers(&r.node)
			if r.ip != "" {
				h.Set(HeaderNodeIP, r.ip)
			}
			_, _, err := do(ctx(t), c.hc, "POST", c.base+Prefix+"serving-kubelet.crt", r.csr, h)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != 400 || !strings.Contains(se.Message, r.want) {
				t.Fatalf("want 400 mentioning %q, got %v", r.want, err)
			}
		})
	}
	if l, _ := e.kube.CoreV1().Secrets("kube-system").List(ctx(t), metav1.ListOptions{}); len(l.Items) != 0 {
		t.Errorf("bad requests stored %d node passwords", len(l.Items))
	}
}

func TestKubeProxyCertificates(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	pair, err := c.Get(ctx(t), "client-kube-proxy.crt")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(pair, pair); err != nil {
		t.Errorf("GET client-kube-proxy.crt is not a cert+key pair: %v", err)
	}
	csr, _ := newCSRPEM(t, nil)
	out, err := c.PostCSR(ctx(t), "client-kube-proxy.crt", csr, nil)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseChain(t, out)[0]
	if leaf.Subject.CommonName != "system:kube-proxy" || len(leaf.Subject.Organization) != 0 {
		t.Errorf("kube-proxy subject %v", leaf.Subject)
	}
	verifies(t, leaf, e.certs.ClientCA, x509.ExtKeyUsageClientAuth)
}

func TestControllerCertificate(t *testing.T) {
	e := newEnv(t)
	csr, _ := newCSRPEM(t, nil)
	node := &NodeIdentity{Name: "edge-7", Password: "pw-7"}
	out, err := e.client(t, e.agent).PostCSR(ctx(t), "client-controller.crt", csr, node)
	if err != nil {
		t.Fatal(err)
	}
	leaf := parseChain(t, out)[0]
	if leaf.Subject.CommonName != ControllerUserPrefix+"edge-7" || !slices.Equal(leaf.Subject.Organization, []string{ControllerGroup}) {
		t.Errorf("controller subject %v", leaf.Subject)
	}
	verifies(t, leaf, e.certs.ClientCA, x509.ExtKeyUsageClientAuth)
	if _, err := e.client(t, token.Token{}).PostCSR(ctx(t), "client-controller.crt", csr, node); err == nil {
		t.Error("a controller certificate without a token")
	}
	// Another box with the name: no certificate (the node password).
	_, err = e.client(t, e.agent).PostCSR(ctx(t), "client-controller.crt", csr, &NodeIdentity{Name: "edge-7", Password: "other"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("controller certificate for a name with another password: %v, want 403", err)
	}
	// No node named: no certificate.
	if _, err := e.client(t, e.agent).PostCSR(ctx(t), "client-controller.crt", csr, nil); err == nil {
		t.Error("a controller certificate for no node")
	}
}

func TestCAsConfigAndReadyz(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.agent)
	for name, want := range map[string][]byte{"client-ca.crt": e.certs.ClientCA.CertPEM, "server-ca.crt": e.certs.ServerCA.CertPEM} {
		got, err := c.Get(ctx(t), name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	cc, err := c.Config(ctx(t))
	if err != nil || cc != cluster {
		t.Errorf("config %+v, %v", cc, err)
	}
	raw, _ := c.Get(ctx(t), "config")
	var fields map[string]any
	if err := json.Unmarshal(raw, &fields); err != nil || fields["flannelBackend"] != "vxlan" || fields["apiServerPort"] != float64(6443) {
		t.Errorf("config JSON %s", raw)
	}
	if bytes.Contains(raw, []byte(e.agent.Secret())) || bytes.Contains(raw, []byte(e.server.Secret())) {
		t.Error("config holds a secret")
	}
	_, err = c.Get(ctx(t), "readyz")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Errorf("readyz before ready: %v", err)
	}
	e.ready.Store(true)
	if body, err := c.Get(ctx(t), "readyz"); err != nil || string(body) != "ok" {
		t.Errorf("readyz when ready: %q %v", body, err)
	}
}

func TestPasswordStoreUnavailable(t *testing.T) {
	e := newEnv(t)
	e.kube.PrependReactor("get", "secrets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("connection refused")
	})
	c := e.client(t, e.agent)
	csr, _ := newCSRPEM(t, nil)
	_, err := c.PostCSR(ctx(t), "client-kubelet.crt", csr, &NodeIdentity{Name: "n1", Password: "p"})
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusServiceUnavailable {
		t.Fatalf("want 503, got %v", err)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	e := newEnv(t)
	for name, cfg := range map[string]Config{
		"no certs":    {ServerToken: e.server, AgentToken: e.agent, Passwords: NewSecretStore(e.kube)},
		"no agent":    {Certs: e.certs, ServerToken: e.server, Passwords: NewSecretStore(e.kube)},
		"no password": {Certs: e.certs, ServerToken: e.server, AgentToken: e.agent},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestServingClaims refuses kubelet serving certificates for what belongs
// to the server (its node name, its addresses, --tls-san) unless the
// caller holds the server token, and for another node's addresses.
func TestServingClaims(t *testing.T) {
	e := newEnv(t)
	agent, server := e.client(t, e.agent), e.client(t, e.server)
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "edge-9"}, Status: corev1.NodeStatus{Addresses: []corev1.NodeAddress{
		{Type: corev1.NodeInternalIP, Address: "10.1.1.9"}, {Type: corev1.NodeHostName, Address: "edge-9.shop"}}}}
	if _, err := e.kube.CoreV1().Nodes().Create(ctx(t), node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	csr, _ := newCSRPEM(t, nil)
	for name, r := range map[string]struct {
		node NodeIdentity
		want string
	}{
		"server's node name": {NodeIdentity{Name: "server-1", Password: "p1", IPs: []net.IP{net.ParseIP("10.2.2.2")}}, "server-1 belongs to the server"},
		"tls-san name":       {NodeIdentity{Name: "edge.example.com", Password: "p2", IPs: []net.IP{net.ParseIP("10.2.2.3")}}, "edge.example.com belongs to the server"},
		"tls-san IP":         {NodeIdentity{Name: "edge-4", Password: "p3", IPs: []net.IP{net.ParseIP("192.0.2.7")}}, "192.0.2.7 belongs to the server"},
		"service IP":         {NodeIdentity{Name: "edge-5", Password: "p4", IPs: []net.IP{net.ParseIP("10.43.0.1")}}, "10.43.0.1 belongs to the server"},
		"other node's IP":    {NodeIdentity{Name: "edge-6", Password: "p5", IPs: []net.IP{net.ParseIP("10.1.1.9")}}, "10.1.1.9 is an address of node edge-9"},
		"other node's name":  {NodeIdentity{Name: "edge-9.shop", Password: "p6", IPs: []net.IP{net.ParseIP("10.2.2.6")}}, "edge-9.shop is an address of node edge-9"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := agent.PostCSR(ctx(t), "serving-kubelet.crt", csr, &r.node)
			var se *StatusError
			if !errors.As(err, &se) || se.Code != http.StatusForbidden || !strings.Contains(se.Message, r.want) {
				t.Fatalf("want 403 saying %q, got %v", r.want, err)
			}
		})
	}
	// The node itself renews, and the server's own agent (server token)
	// may carry the server's names.
	if _, err := agent.PostCSR(ctx(t), "serving-kubelet.crt", csr, &NodeIdentity{Name: "edge-9", Password: "p9", IPs: []net.IP{net.ParseIP("10.1.1.9")}}); err != nil {
		t.Errorf("edge-9's own address refused: %v", err)
	}
	if _, err := server.PostCSR(ctx(t), "serving-kubelet.crt", csr, &NodeIdentity{Name: "server-1", Password: "ps", IPs: []net.IP{net.ParseIP("192.0.2.7")}}); err != nil {
		t.Errorf("the server's own agent refused: %v", err)
	}
}
