package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
)

// joinRetry is how long the agent waits between join attempts.
const joinRetry = 10 * time.Second

// node is what joining gave this node: the cluster settings, its address
// and the files the kubelet, kube-proxy and flannel use.
type node struct {
	Name      string
	IP        net.IP
	Cluster   joinapi.ClusterConfig
	APIServer string // https://HOST:6443
	Files     files
	// ID is what the node tells the join API about itself.
	ID *joinapi.NodeIdentity
}

// files are the paths of the agent's credentials under DIR/agent.
type files struct {
	ServerCA, ClientCA                 string
	ServingCert, ServingKey            string
	ClientCert, ClientKey              string
	ProxyCert, ProxyKey                string
	ControllerCert, ControllerKey      string
	KubeletKubeconfig, ProxyKubeconfig string
	// ControllerKubeconfig is flannel's (system:outpost-controller).
	ControllerKubeconfig string
}

func newFiles(dir string) files {
	p := func(n string) string { return filepath.Join(dir, n) }
	return files{
		ServerCA: p("server-ca.crt"), ClientCA: p("client-ca.crt"),
		ServingCert: p("serving-kubelet.crt"), ServingKey: p("serving-kubelet.key"),
		ClientCert: p("client-kubelet.crt"), ClientKey: p("client-kubelet.key"),
		ProxyCert: p("client-kube-proxy.crt"), ProxyKey: p("client-kube-proxy.key"),
		ControllerCert: p("client-controller.crt"), ControllerKey: p("client-controller.key"),
		KubeletKubeconfig: p("kubelet.kubeconfig"), ProxyKubeconfig: p("kubeproxy.kubeconfig"),
		ControllerKubeconfig: p("controller.kubeconfig"),
	}
}

// join retries joining until it works or ctx ends. Every failure is
// retried, a wrong token or CA hash too: the box cannot be fixed from here,
// the server's side can (a token rotated, a server restored), and the
// error is on the console each time.
func join(ctx context.Context, o *Options, log *slog.Logger) (*node, error) {
	tok, err := o.token()
	if err != nil {
		return nil, err
	}
	for {
		n, err := joinOnce(ctx, o, tok, log)
		if err == nil {
			return n, nil
		}
		log.Error("cannot join the cluster yet; retrying", "server", o.Server, "in", joinRetry, "err", err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(joinRetry):
		}
	}
}

func (o *Options) token() (token.Token, error) {
	if o.Token != "" {
		t, err := token.Parse(o.Token)
		if err != nil {
			return token.Token{}, fmt.Errorf("token: %w", err)
		}
		return t, nil
	}
	return token.ReadFile(o.TokenFile)
}

func joinOnce(ctx context.Context, o *Options, tok token.Token, log *slog.Logger) (*node, error) {
	caPEM, err := joinapi.FetchCA(ctx, o.Server, tok)
	if err != nil {
		return nil, err
	}
	c, err := joinapi.NewClient(o.Server, tok, caPEM)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	cc, err := c.Config(ctx)
	if isUnauthorized(err) {
		return o.rejoin(ctx, c, log)
	}
	if err != nil {
		return nil, err
	}
	n, err := o.identity(cc)
	if err != nil {
		return nil, err
	}
	if err := fetchCredentials(ctx, c, n.ID, caPEM, n); err != nil {
		return nil, err
	}
	if err := saveCluster(o.agentDir(clusterFile), cc); err != nil {
		return nil, err
	}
	log.Info("joined the cluster", "server", o.Server, "node", n.Name, "ip", n.IP, "apiserver", n.APIServer)
	return n, writeKubeconfigs(n)
}

// identity is the node with what it tells the join API about itself
// (ID).
func (o *Options) identity(cc joinapi.ClusterConfig) (*node, error) {
	n, err := o.newNode(cc)
	if err != nil {
		return nil, err
	}
	password, err := nodePassword(o.NodePasswordFile)
	if err != nil {
		return nil, err
	}
	n.ID = &joinapi.NodeIdentity{Name: n.Name, Password: password, IPs: []net.IP{n.IP}}
	return n, nil
}

// newNode works out the node's name, address and the apiserver URL: the
// join API's host at the apiserver's port.
func (o *Options) newNode(cc joinapi.ClusterConfig) (*node, error) {
	u, err := url.Parse(o.Server)
	if err != nil {
		return nil, fmt.Errorf("server URL: %w", err)
	}
	n := &node{Name: o.NodeName, Cluster: cc, Files: newFiles(o.agentDir("tls"))}
	n.APIServer = "https://" + net.JoinHostPort(u.Hostname(), strconv.Itoa(cc.APIServerPort))
	if n.IP, err = o.nodeIP(u); err != nil {
		return nil, err
	}
	return n, nil
}

// nodeIP is the given node IP, or the local address of the route to the
// server.
func (o *Options) nodeIP(server *url.URL) (net.IP, error) {
	if o.NodeIP != "" {
		return net.ParseIP(o.NodeIP), nil
	}
	conn, err := net.Dial("udp", net.JoinHostPort(server.Hostname(), "9"))
	if err != nil {
		return nil, fmt.Errorf("node IP: no route to the server %s (%w); set --node-ip", server.Hostname(), err)
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).IP, nil
}

// fetchCredentials gets the CAs and the three certificates, each for a key
// the node keeps.
func fetchCredentials(ctx context.Context, c *joinapi.Client, id *joinapi.NodeIdentity, caPEM []byte, n *node) error {
	f := n.Files
	if err := os.MkdirAll(filepath.Dir(f.ServerCA), 0o700); err != nil {
		return fmt.Errorf("agent credentials: %w", err)
	}
	clientCA, err := c.Get(ctx, "client-ca.crt")
	if err != nil {
		return err
	}
	for path, data := range map[string][]byte{f.ServerCA: caPEM, f.ClientCA: clientCA} {
		if err := pki.WriteFileAtomic(path, data, 0o644); err != nil {
			return fmt.Errorf("agent credentials: %w", err)
		}
	}
	if err := certify(ctx, c, id, "client-kube-proxy.crt", f.ProxyCert, f.ProxyKey); err != nil {
		return err
	}
	return certifyNode(ctx, c, id, f, "")
}

// certifyNode gets the node's own certificates (kubelet serving and
// client, controller) from the routes under prefix: "" with the join
// token, joinapi.RenewPath with the node password alone.
func certifyNode(ctx context.Context, c *joinapi.Client, id *joinapi.NodeIdentity, f files, prefix string) error {
	for _, r := range []struct{ route, cert, key string }{
		{"serving-kubelet.crt", f.ServingCert, f.ServingKey},
		{"client-kubelet.crt", f.ClientCert, f.ClientKey},
		{"client-controller.crt", f.ControllerCert, f.ControllerKey},
	} {
		if err := certify(ctx, c, id, prefix+r.route, r.cert, r.key); err != nil {
			return err
		}
	}
	return nil
}

// certify posts a CSR for the key at keyPath to route and writes the
// certificate it gets back.
func certify(ctx context.Context, c *joinapi.Client, id *joinapi.NodeIdentity, route, certPath, keyPath string) error {
	keyPEM, err := pki.NodeKey(keyPath)
	if err != nil {
		return err
	}
	csr, err := pki.NewCSR(keyPEM, id.Name)
	if err != nil {
		return err
	}
	cert, err := c.PostCSR(ctx, route, csr, id)
	if err != nil {
		return err
	}
	if err := pki.CheckPair(cert, keyPEM); err != nil {
		return fmt.Errorf("%s: %w", route, err)
	}
	if err := pki.WriteFileAtomic(certPath, cert, 0o644); err != nil {
		return fmt.Errorf("%s: %w", route, err)
	}
	return nil
}

func writeKubeconfigs(n *node) error {
	f := n.Files
	for path, c := range map[string]kubeconfig.Config{
		f.KubeletKubeconfig:    {Server: n.APIServer, CAFile: f.ServerCA, CertFile: f.ClientCert, KeyFile: f.ClientKey, User: "kubelet"},
		f.ProxyKubeconfig:      {Server: n.APIServer, CAFile: f.ServerCA, CertFile: f.ProxyCert, KeyFile: f.ProxyKey, User: "kube-proxy"},
		f.ControllerKubeconfig: {Server: n.APIServer, CAFile: f.ServerCA, CertFile: f.ControllerCert, KeyFile: f.ControllerKey, User: "outpost-controller"},
	} {
		if err := kubeconfig.Write(path, 0o600, c); err != nil {
			return err
		}
	}
	return nil
}
