package joinapi

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
)

// Prefix is the path prefix of the authenticated endpoints.
const Prefix = "/v1-outpost/"

// ClusterConfig is what an agent needs to know about the cluster; it is
// served as JSON at /v1-outpost/config and holds no secret.
type ClusterConfig struct {
	ClusterCIDR    string `json:"clusterCIDR"`
	ServiceCIDR    string `json:"serviceCIDR"`
	ClusterDNS     string `json:"clusterDNS"`
	ClusterDomain  string `json:"clusterDomain"`
	FlannelBackend string `json:"flannelBackend"`
	APIServerPort  int    `json:"apiServerPort"`
}

// Config is what the handler serves and checks against.
type Config struct {
	Certs       *pki.ServerCerts // CAs to sign with and serve; the shared kube-proxy pair
	ServerToken token.Token
	AgentToken  token.Token
	Passwords   PasswordStore
	Cluster     ClusterConfig
	// APIServerURL is the apiserver URL written into the admin kubeconfig
	// when the client asks for none (https://<advertise address>:6443).
	APIServerURL string
	// Ready reports whether the control plane is ready; nil means always.
	Ready func(context.Context) error
	// Tunnel takes the agents' tunnels (GET /v1-outpost/connect); nil
	// means the route answers 404.
	Tunnel TunnelServer
	// Nodes lists the addresses of the registered nodes, so that no node
	// gets a serving certificate for another's; nil checks none.
	Nodes NodeAddresses
	// RotateAgent stores a new agent token (AgentTokenPath); nil means
	// the route answers 404.
	RotateAgent RotateAgentFunc
	// Claims bounds new node-name claims; the zero value means
	// DefaultClaimLimits.
	Claims ClaimLimits
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

type handler struct {
	cfg    Config
	auth   *authenticator
	claims *claimGate
	server serverNames
	log    *slog.Logger
}

// New returns the join API handler. Serve it with TLS using
// Certs.ServingSupervisor.
func New(cfg Config) (http.Handler, error) {
	switch {
	case cfg.Certs == nil || cfg.Certs.ServerCA == nil || cfg.Certs.ClientCA == nil || cfg.Certs.KubeletCA == nil:
		return nil, errors.New("join API: the server certificates are missing")
	case cfg.ServerToken.Secret() == "" || cfg.AgentToken.Secret() == "":
		return nil, errors.New("join API: the server and agent tokens are both required")
	case cfg.Passwords == nil:
		return nil, errors.New("join API: a node-password store is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	names, err := loadServerNames(cfg.Certs)
	if err != nil {
		return nil, err
	}
	h := &handler{cfg: cfg, auth: newAuthenticator(cfg.ServerToken, cfg.AgentToken), server: names, log: cfg.Logger,
		claims: newClaimGate(cfg.Claims, cfg.Passwords)}
	return h.routes(), nil
}

func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	node := func(f http.HandlerFunc) http.HandlerFunc { return h.auth.require(roleNode, f) }
	server := func(f http.HandlerFunc) http.HandlerFunc { return h.auth.require(roleServer, f) }
	mux.HandleFunc("GET /cacerts", anonymous(h.pem(h.cfg.Certs.ServerCA.CertPEM)))
	mux.HandleFunc("GET /ping", anonymous(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "pong") }))
	for _, c := range h.nodeCerts() {
		mux.HandleFunc("POST "+Prefix+c.route, node(h.signNode(c, h.checkPassword)))
		mux.HandleFunc("POST "+Prefix+RenewPath+c.route, h.signNode(c, h.checkRegistered))
	}
	mux.HandleFunc("GET "+Prefix+"client-kube-proxy.crt", node(h.kubeProxyPair))
	mux.HandleFunc("POST "+Prefix+"client-kube-proxy.crt", node(h.signKubeProxy))
	mux.HandleFunc("POST "+Prefix+AgentTokenPath, server(h.rotateAgentToken))
	mux.HandleFunc("GET "+Prefix+"client-ca.crt", node(h.pem(h.cfg.Certs.ClientCA.CertPEM)))
	mux.HandleFunc("GET "+Prefix+"server-ca.crt", node(h.pem(h.cfg.Certs.ServerCA.CertPEM)))
	mux.HandleFunc("GET "+Prefix+"config", node(h.config))
	mux.HandleFunc("GET "+Prefix+"readyz", node(h.readyz))
	mux.HandleFunc("GET "+Prefix+KubeconfigPath, server(h.adminKubeconfig))
	mux.HandleFunc("GET "+Prefix+ConnectPath, node(h.connect(h.checkPassword)))
	mux.HandleFunc("GET "+Prefix+RenewPath+ConnectPath, h.connect(h.checkRegistered))
	return mux
}

// anonymous serves a route that needs no token and closes the connection
// after it, so that it gives back its slot among the unauthenticated ones
// (LimitUnauthenticated) at once.
func anonymous(f http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		f(w, r)
	}
}

func (h *handler) pem(data []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(data)
	}
}

// nodeCert is one certificate a node gets for a key of its own.
type nodeCert struct {
	route   string
	ca      *pki.CA
	serving bool // a kubelet serving certificate: its names and IPs are checked
	spec    func(nodeRequest) pki.LeafSpec
}

// NodeCertValidity is how long a node's client certificates (kubelet,
// controller) are valid. The agent renews them at half their life, with
// its node password (RenewPath) once the join token no longer works: a
// node deleted from the cluster cannot renew, so what it holds stops
// working within this time.
const NodeCertValidity = 24 * time.Hour

// An agent's own controllers (flannel) act as ControllerUserPrefix+NODE
// in ControllerGroup: a certificate per node, behind its node password.
// The server's rbac add-on lets the group read every node and change only
// the Node its user name names.
const (
	ControllerUserPrefix = "system:outpost-controller:"
	ControllerGroup      = "system:outpost-controllers"
)

func (h *handler) nodeCerts() []nodeCert {
	c := h.cfg.Certs
	return []nodeCert{
		{"serving-kubelet.crt", c.KubeletCA, true, func(r nodeRequest) pki.LeafSpec {
			return pki.LeafSpec{CN: kubeletUser(r), O: []string{"system:nodes"}, Usage: pki.UsageServer,
				DNSNames: []string{r.name}, IPs: r.ips}
		}},
		{"client-kubelet.crt", c.ClientCA, false, func(r nodeRequest) pki.LeafSpec {
			return pki.LeafSpec{CN: kubeletUser(r), O: []string{"system:nodes"}, Usage: pki.UsageClient,
				Validity: NodeCertValidity}
		}},
		{"client-controller.crt", c.ClientCA, false, func(r nodeRequest) pki.LeafSpec {
			return pki.LeafSpec{CN: ControllerUserPrefix + r.name, O: []string{ControllerGroup}, Usage: pki.UsageClient,
				Validity: NodeCertValidity}
		}},
	}
}

// kubeletUser is the user name the Node authorizer knows a kubelet by.
func kubeletUser(r nodeRequest) string { return "system:node:" + r.name }

// signNode signs c for the node named in the request once its claims
// and then its node password (check) pass.
func (h *handler) signNode(c nodeCert, check func(http.ResponseWriter, *http.Request, nodeRequest) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := parseNodeRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if !h.checkClaims(w, r, req, c.serving) || !check(w, r, req) {
			return
		}
		h.sign(w, r, c.ca, req.csr, c.spec(req))
	}
}

func (h *handler) checkPassword(w http.ResponseWriter, r *http.Request, req nodeRequest) bool {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	var wait time.Duration
	admit := func(ctx context.Context) (err error) {
		if h.auth.role(r) == roleServer {
			return nil
		}
		wait, err = h.claims.admit(ctx)
		return err
	}
	err := CheckNodePassword(ctx, h.cfg.Passwords, req.name, req.password, admit)
	switch {
	case err == nil:
		return true
	case errors.Is(err, ErrTooManyClaims):
		h.log.Warn("node name claim refused", "node", req.name, "remote", r.RemoteAddr, "err", err)
		w.Header().Set("Retry-After", retryAfter(wait))
		http.Error(w, err.Error(), http.StatusTooManyRequests)
	case errors.Is(err, ErrWrongPassword):
		h.log.Warn("node password mismatch: another box claims this node name", "node", req.name, "remote", r.RemoteAddr)
		http.Error(w, fmt.Sprintf("forbidden: node %s is registered with another node password", req.name), http.StatusForbidden)
	default:
		h.log.Error("node password check failed", "node", req.name, "err", err)
		http.Error(w, "node password store unavailable, retry later", http.StatusServiceUnavailable)
	}
	return false
}

func (h *handler) signKubeProxy(w http.ResponseWriter, r *http.Request) {
	csr, err := readCSR(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.sign(w, r, h.cfg.Certs.ClientCA, csr, pki.LeafSpec{CN: "system:kube-proxy", Usage: pki.UsageClient})
}

func (h *handler) sign(w http.ResponseWriter, r *http.Request, ca *pki.CA, csr *x509.CertificateRequest, spec pki.LeafSpec) {
	out, err := ca.SignCSR(csr, spec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.log.Info("signed certificate", "cn", spec.CN, "ca", ca.Name, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(out)
}

// kubeProxyPair serves the shared kube-proxy certificate followed by its
// key, as k3s does.
func (h *handler) kubeProxyPair(w http.ResponseWriter, _ *http.Request) {
	p := h.cfg.Certs.KubeProxy
	cert, err1 := os.ReadFile(p.Cert)
	key, err2 := os.ReadFile(p.Key)
	if err := errors.Join(err1, err2); err != nil {
		h.log.Error("read kube-proxy certificate", "err", err)
		http.Error(w, "kube-proxy certificate unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(append(cert, key...))
}

func (h *handler) config(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(h.cfg.Cluster)
}

func (h *handler) readyz(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Ready != nil {
		if err := h.cfg.Ready(r.Context()); err != nil {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
	}
	fmt.Fprint(w, "ok")
}
