package pki

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ServerOptions describes the server whose certificates EnsureServer makes.
type ServerOptions struct {
	NodeName    string   // required; a SAN of the serving and etcd certificates
	NodeIPs     []net.IP // SANs of the serving and etcd certificates
	SANs        []string // --tls-san values: IP addresses or DNS names
	ServiceCIDR *net.IPNet
	// ClusterDomain defaults to DefaultClusterDomain.
	ClusterDomain string
	AdvertiseIP   net.IP
	// Now defaults to time.Now; tests inject a clock.
	Now func() time.Time
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Defaults applied when ServerOptions leaves a field empty.
const (
	DefaultClusterDomain = "cluster.local"
	DefaultServiceCIDR   = "10.43.0.0/16"
)

// ServerCerts is the absolute path of every file EnsureServer manages, and
// the loaded CAs. Every .crt of a leaf holds the leaf followed by its CA.
type ServerCerts struct {
	Dir string

	ClientCA, ServerCA, RequestHeaderCA, EtcdServerCA, EtcdPeerCA *CA
	// KubeletCA signs the kubelets' serving certificates only, and
	// kube-apiserver verifies kubelets with it: nothing an agent token
	// obtains can pass as the API server or the join API (server-ca).
	KubeletCA *CA

	Admin                  Pair // client-admin: system:admin, O system:masters
	Supervisor             Pair // client-supervisor: system:outpost-supervisor, O system:masters
	ControllerManager      Pair // client-controller: system:kube-controller-manager
	Scheduler              Pair // client-scheduler: system:kube-scheduler
	APIServerKubeletClient Pair // client-kube-apiserver: system:apiserver, O system:masters
	KubeProxy              Pair // client-kube-proxy: system:kube-proxy
	AuthProxy              Pair // client-auth-proxy: system:auth-proxy (request-header-ca)
	ServingAPIServer       Pair // serving-kube-apiserver (server-ca)
	ServingSupervisor      Pair // serving-supervisor, for the join API (server-ca)
	EtcdServerClient       Pair // etcd/server-client (etcd/server-ca)
	EtcdClient             Pair // etcd/client: etcd-client (etcd/server-ca)
	EtcdPeerServerClient   Pair // etcd/peer-server-client (etcd/peer-ca)

	ServiceKey string // service.key, RSA 2048, service-account signing key

	// Issued lists the files this call created or re-issued; empty when
	// everything was reused.
	Issued []string
}

// EnsureServer creates the server PKI in dir (<data-dir>/server/tls) where it
// is missing, renews leaves that must be renewed, and reuses everything else
// byte for byte. See the package documentation for the rules.
func EnsureServer(dir string, opts ServerOptions) (*ServerCerts, error) {
	opts, err := withDefaults(opts)
	if err != nil {
		return nil, err
	}
	serving, err := servingSANs(opts)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("server PKI directory %s: %w", dir, err)
	}
	sc := &ServerCerts{Dir: abs, ServiceKey: filepath.Join(abs, "service.key")}
	for _, d := range []string{abs, filepath.Join(abs, "etcd")} {
		if err := ensureDir(d); err != nil {
			return nil, err
		}
	}
	if err := sc.ensureCAs(opts.Now); err != nil {
		return nil, err
	}
	if err := sc.ensureLeaves(opts, serving); err != nil {
		return nil, err
	}
	created, err := ensureServiceKey(sc.ServiceKey)
	if err != nil {
		return nil, err
	}
	if created {
		sc.Issued = append(sc.Issued, sc.ServiceKey)
	}
	sc.tightenKeyModes(opts.Logger)
	return sc, nil
}

func withDefaults(o ServerOptions) (ServerOptions, error) {
	if strings.TrimSpace(o.NodeName) == "" {
		return o, errors.New("server PKI: node name is empty; pass the node's name")
	}
	if !ValidDNSName(o.NodeName) || strings.HasPrefix(o.NodeName, "*.") {
		return o, fmt.Errorf("server PKI: node name %q is not a valid DNS name; use lowercase letters, digits, '-' and '.'", o.NodeName)
	}
	if o.ClusterDomain == "" {
		o.ClusterDomain = DefaultClusterDomain
	}
	if o.ServiceCIDR == nil {
		_, o.ServiceCIDR, _ = net.ParseCIDR(DefaultServiceCIDR)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}

func (sc *ServerCerts) ensureCAs(now func() time.Time) error {
	for _, c := range []struct {
		name string
		dst  **CA
	}{
		{"client-ca", &sc.ClientCA},
		{"server-ca", &sc.ServerCA},
		{"request-header-ca", &sc.RequestHeaderCA},
		{"etcd/server-ca", &sc.EtcdServerCA},
		{"etcd/peer-ca", &sc.EtcdPeerCA},
		{"kubelet-ca", &sc.KubeletCA},
	} {
		ca, created, err := ensureCA(sc.Dir, c.name, now)
		if err != nil {
			return err
		}
		if created {
			sc.Issued = append(sc.Issued, ca.CertFile)
		}
		*c.dst = ca
	}
	return nil
}

type leafDef struct {
	name string
	ca   *CA
	spec LeafSpec
	dst  *Pair
}

func (sc *ServerCerts) ensureLeaves(o ServerOptions, serving LeafSpec) error {
	for _, l := range sc.leafDefs(serving, etcdSANs(o)) {
		p, issued, err := ensureLeaf(l.ca, sc.Dir, l.name, l.spec, o.Logger)
		if err != nil {
			return fmt.Errorf("certificate %s: %w", l.name, err)
		}
		*l.dst = p
		if issued {
			sc.Issued = append(sc.Issued, p.Cert)
		}
	}
	return nil
}

func (sc *ServerCerts) leafDefs(serving, etcd LeafSpec) []leafDef {
	masters := []string{"system:masters"}
	client := func(cn string, o []string) LeafSpec { return LeafSpec{CN: cn, O: o, Usage: UsageClient} }
	named := func(s LeafSpec, cn string, u Usage) LeafSpec { s.CN, s.Usage = cn, u; return s }
	return []leafDef{
		{"client-admin", sc.ClientCA, client("system:admin", masters), &sc.Admin},
		{"client-supervisor", sc.ClientCA, client("system:outpost-supervisor", masters), &sc.Supervisor},
		{"client-controller", sc.ClientCA, client("system:kube-controller-manager", nil), &sc.ControllerManager},
		{"client-scheduler", sc.ClientCA, client("system:kube-scheduler", nil), &sc.Scheduler},
		{"client-kube-apiserver", sc.ClientCA, client("system:apiserver", masters), &sc.APIServerKubeletClient},
		{"client-kube-proxy", sc.ClientCA, client("system:kube-proxy", nil), &sc.KubeProxy},
		{"client-auth-proxy", sc.RequestHeaderCA, client("system:auth-proxy", nil), &sc.AuthProxy},
		{"serving-kube-apiserver", sc.ServerCA, named(serving, "kube-apiserver", UsageServer), &sc.ServingAPIServer},
		{"serving-supervisor", sc.ServerCA, named(serving, "outpost-supervisor", UsageServer), &sc.ServingSupervisor},
		{"etcd/server-client", sc.EtcdServerCA, named(etcd, "etcd-server", UsageServer|UsageClient), &sc.EtcdServerClient},
		{"etcd/client", sc.EtcdServerCA, client("etcd-client", nil), &sc.EtcdClient},
		{"etcd/peer-server-client", sc.EtcdPeerCA, named(etcd, "etcd-peer", UsageServer|UsageClient), &sc.EtcdPeerServerClient},
	}
}

// tightenKeyModes sets 0600 on key files that are readable by others, e.g.
// after a restore from a backup that lost the modes.
func (sc *ServerCerts) tightenKeyModes(log *slog.Logger) {
	keys := []string{sc.ServiceKey}
	for _, ca := range []*CA{sc.ClientCA, sc.ServerCA, sc.RequestHeaderCA, sc.EtcdServerCA, sc.EtcdPeerCA} {
		keys = append(keys, ca.KeyFile)
	}
	for _, p := range []Pair{sc.Admin, sc.Supervisor, sc.ControllerManager, sc.Scheduler, sc.APIServerKubeletClient,
		sc.KubeProxy, sc.AuthProxy, sc.ServingAPIServer, sc.ServingSupervisor, sc.EtcdServerClient, sc.EtcdClient, sc.EtcdPeerServerClient} {
		keys = append(keys, p.Key)
	}
	for _, k := range keys {
		fi, err := os.Stat(k)
		if err != nil || fi.Mode().Perm()&0o077 == 0 {
			continue
		}
		if err := os.Chmod(k, 0o600); err != nil {
			log.Warn("key file is readable by others and its mode cannot be fixed", "file", k, "mode", fi.Mode().Perm().String(), "err", err)
			continue
		}
		log.Warn("key file was readable by others; set its mode to 0600", "file", k, "mode", fi.Mode().Perm().String())
	}
}
