package joinapi

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
)

// env is a join API served over TLS on 127.0.0.1 from a real PKI.
type env struct {
	certs         *pki.ServerCerts
	server, agent token.Token
	kube          *fake.Clientset
	srv           *httptest.Server
	ready         *atomic.Bool
	handler       http.Handler
	apiURL        string // the apiserver URL of the admin kubeconfig
}

var cluster = ClusterConfig{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", ClusterDNS: "10.43.0.10",
	ClusterDomain: "cluster.local", FlannelBackend: "vxlan", APIServerPort: 6443}

func newEnv(t testing.TB, opts ...func(*Config)) *env {
	t.Helper()
	dir := t.TempDir()
	certs, err := pki.EnsureServer(filepath.Join(dir, "tls"), pki.ServerOptions{
		NodeName: "server-1", NodeIPs: []net.IP{net.IPv4(127, 0, 0, 1)}, SANs: []string{"edge.example.com", "192.0.2.7"},
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	server, agent, err := token.EnsureServer(dir, "", "", certs.ServerCA.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{certs: certs, server: server, agent: agent, kube: fake.NewClientset(), ready: &atomic.Bool{}, apiURL: "https://192.0.2.1:6443"}
	cfg := Config{Certs: certs, ServerToken: server, AgentToken: agent, Passwords: NewSecretStore(e.kube),
		Cluster: cluster, APIServerURL: e.apiURL, Logger: slog.New(slog.DiscardHandler), Nodes: NodeAddressesFrom(e.kube),
		Ready: func(context.Context) error {
			if !e.ready.Load() {
				return errNotReady
			}
			return nil
		}}
	for _, o := range opts {
		o(&cfg)
	}
	e.handler, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certs.ServingSupervisor.Cert, certs.ServingSupervisor.Key)
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewUnstartedServer(e.handler)
	e.srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	e.srv.StartTLS()
	t.Cleanup(e.srv.Close)
	return e
}

type testErr string

func (e testErr) Error() string { return string(e) }

const errNotReady = testErr("apiserver not ready")

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// client is an agent's client: CA fetched and pinned with tok.
func (e *env) client(t testing.TB, tok token.Token) *Client {
	t.Helper()
	ca, err := FetchCA(ctx(t), e.srv.URL, tok)
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(e.srv.URL, tok, ca)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func newCSRPEM(t testing.TB, ips []net.IP) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: "system:admin", Organization: []string{"system:masters"}}, IPAddresses: ips}, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), key
}

func parseChain(t testing.TB, data []byte) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		t.Fatalf("no certificate in %q", data)
	}
	return out
}

func verifies(t testing.TB, leaf *x509.Certificate, ca *pki.CA, usage x509.ExtKeyUsage) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
		t.Errorf("%s does not chain to %s: %v", leaf.Subject.CommonName, ca.Name, err)
	}
}
