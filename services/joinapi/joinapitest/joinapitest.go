// Package joinapitest serves a real join API for tests of its clients (the
// agent, `outpost kubeconfig`): a fresh server PKI and tokens in a
// temporary folder, node passwords in a fake clientset, TLS on 127.0.0.1.
package joinapitest

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"k8s.io/client-go/kubernetes/fake"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
)

// APIServerURL is the apiserver URL the test server puts in admin
// kubeconfigs by default.
const APIServerURL = "https://127.0.0.1:6443"

// Server is a join API served until the test ends.
type Server struct {
	URL                     string // https://127.0.0.1:PORT
	Certs                   *pki.ServerCerts
	ServerToken, AgentToken token.Token
	// ServerTokenFile and AgentTokenFile hold the K10 tokens (0600).
	ServerTokenFile, AgentTokenFile string
	Kube                            *fake.Clientset // node-password Secrets
}

// Start serves a join API; configure, when given, changes its
// configuration before the handler is made.
func Start(t testing.TB, configure ...func(*joinapi.Config)) *Server {
	t.Helper()
	dir := t.TempDir()
	quiet := slog.New(slog.DiscardHandler)
	certs, err := pki.EnsureServer(filepath.Join(dir, "tls"), pki.ServerOptions{
		NodeName: "server-1", NodeIPs: []net.IP{net.IPv4(127, 0, 0, 1)}, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	server, agent, err := token.EnsureServer(dir, "", "", certs.ServerCA.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{Certs: certs, ServerToken: server, AgentToken: agent, Kube: fake.NewClientset(),
		ServerTokenFile: filepath.Join(dir, token.ServerFile), AgentTokenFile: filepath.Join(dir, token.AgentFile)}
	cfg := joinapi.Config{Certs: certs, ServerToken: server, AgentToken: agent, Passwords: joinapi.NewSecretStore(s.Kube),
		Cluster: joinapi.ClusterConfig{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", ClusterDNS: "10.43.0.10",
			ClusterDomain: "cluster.local", FlannelBackend: "vxlan", APIServerPort: 6443},
		APIServerURL: APIServerURL, Logger: quiet,
		RotateAgent: func(_ context.Context, secret string) (token.Token, error) {
			return token.RotateAgent(dir, secret, server, certs.ServerCA.CertPEM)
		}}
	for _, f := range configure {
		f(&cfg)
	}
	h, err := joinapi.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.LoadX509KeyPair(certs.ServingSupervisor.Cert, certs.ServingSupervisor.Key)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}
