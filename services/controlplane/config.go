package controlplane

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// Certs are the paths of the files the components read. They come from the
// server's PKI.
type Certs struct {
	ClientCA, ClientCAKey           string
	ServerCA, ServerCAKey           string
	KubeletCA, KubeletCAKey         string // kubelet serving certificates
	RequestHeaderCA                 string
	ServingAPIServer, ServingKey    string // kube-apiserver's serving pair
	KubeletClient, KubeletClientKey string // kube-apiserver to kubelets
	AuthProxy, AuthProxyKey         string // kube-apiserver to aggregated APIs
	ServiceKey                      string // service-account signing key
	Readiness, ReadinessKey         string // a system:masters client for /readyz
}

// Storage is where kube-apiserver keeps its objects: an etcd v3 endpoint
// (kine's socket or etcd) and the TLS files to reach it.
type Storage struct {
	Endpoints                 []string
	CAFile, CertFile, KeyFile string
}

// Config is everything the control plane needs.
type Config struct {
	// Dir is the server state directory (<data-dir>/server); kube-apiserver
	// keeps temporary certificates below it.
	Dir              string
	Certs            Certs
	Storage          Storage
	BindAddress      net.IP
	AdvertiseAddress net.IP
	HTTPSPort        int
	ClusterCIDR      string
	ServiceCIDR      string
	ClusterDomain    string
	// LeaderElect is false for kine on SQLite and a single embedded etcd
	// member, true for a datastore several servers may share.
	LeaderElect bool
	// ControllerKubeconfig and SchedulerKubeconfig are the kubeconfig files
	// of the controller-manager and the scheduler.
	ControllerKubeconfig string
	SchedulerKubeconfig  string
	// EgressSelectorConfig, when set, is kube-apiserver's
	// --egress-selector-config-file: its traffic to kubelets goes through
	// the agents' tunnels (services/tunnel).
	EgressSelectorConfig string
	// EncryptionConfig, when set, is kube-apiserver's
	// --encryption-provider-config (Secrets encrypted at rest).
	EncryptionConfig string
	// Extra arguments (key=value) applied on top of the defaults.
	ExtraAPIServerArgs         []string
	ExtraControllerManagerArgs []string
	ExtraSchedulerArgs         []string
}

// URL is where kube-apiserver answers on this host.
func (c Config) URL() string {
	host := "127.0.0.1"
	if c.BindAddress != nil && !c.BindAddress.IsUnspecified() {
		host = c.BindAddress.String()
	}
	return "https://" + net.JoinHostPort(host, strconv.Itoa(c.HTTPSPort))
}

func (c Config) apiServerArgs() ([]string, error) {
	domain := c.ClusterDomain
	a := map[string]string{
		"advertise-address":             c.AdvertiseAddress.String(),
		"allow-privileged":              "true",
		"anonymous-auth":                "false",
		"api-audiences":                 "https://kubernetes.default.svc." + domain + ",outpost",
		"authorization-mode":            "Node,RBAC",
		"bind-address":                  c.BindAddress.String(),
		"cert-dir":                      c.Dir + "/tls/temporary-certs",
		"client-ca-file":                c.Certs.ClientCA,
		"enable-admission-plugins":      "NodeRestriction",
		"etcd-servers":                  strings.Join(c.Storage.Endpoints, ","),
		"kubelet-certificate-authority": c.Certs.KubeletCA,
		"kubelet-client-certificate":    c.Certs.KubeletClient,
		"kubelet-client-key":            c.Certs.KubeletClientKey,
		// Node host names are rarely resolvable at the edge; the address
		// the kubelet registered is.
		"kubelet-preferred-address-types":    "InternalIP,ExternalIP,Hostname",
		"profiling":                          "false",
		"proxy-client-cert-file":             c.Certs.AuthProxy,
		"proxy-client-key-file":              c.Certs.AuthProxyKey,
		"requestheader-allowed-names":        "system:auth-proxy",
		"requestheader-client-ca-file":       c.Certs.RequestHeaderCA,
		"requestheader-extra-headers-prefix": "X-Remote-Extra-",
		"requestheader-group-headers":        "X-Remote-Group",
		"requestheader-username-headers":     "X-Remote-User",
		"secure-port":                        strconv.Itoa(c.HTTPSPort),
		"service-account-issuer":             "https://kubernetes.default.svc." + domain,
		"service-account-key-file":           c.Certs.ServiceKey,
		"service-account-signing-key-file":   c.Certs.ServiceKey,
		"service-cluster-ip-range":           c.ServiceCIDR,
		"storage-backend":                    "etcd3",
		"tls-cert-file":                      c.Certs.ServingAPIServer,
		"tls-private-key-file":               c.Certs.ServingKey,
	}
	if c.AdvertiseAddress.IsLoopback() {
		// The kubernetes Service cannot point at a loopback address: a
		// server advertised on loopback (tests, a lone box) keeps no
		// endpoints for it.
		a["endpoint-reconciler-type"] = "none"
	}
	if c.EncryptionConfig != "" {
		a["encryption-provider-config"] = c.EncryptionConfig
	}
	if c.EgressSelectorConfig != "" {
		a["egress-selector-config-file"] = c.EgressSelectorConfig
	}
	if c.Storage.CAFile != "" {
		a["etcd-cafile"] = c.Storage.CAFile
	}
	if c.Storage.CertFile != "" {
		a["etcd-certfile"] = c.Storage.CertFile
		a["etcd-keyfile"] = c.Storage.KeyFile
	}
	return buildArgs("kube-apiserver", a, c.ExtraAPIServerArgs)
}

func (c Config) controllerManagerArgs() ([]string, error) {
	a := map[string]string{
		"allocate-node-cidrs": "true",
		"bind-address":        "127.0.0.1",
		"cluster-cidr":        c.ClusterCIDR,
		"cluster-signing-kube-apiserver-client-cert-file": c.Certs.ClientCA,
		"cluster-signing-kube-apiserver-client-key-file":  c.Certs.ClientCAKey,
		"cluster-signing-kubelet-client-cert-file":        c.Certs.ClientCA,
		"cluster-signing-kubelet-client-key-file":         c.Certs.ClientCAKey,
		"cluster-signing-kubelet-serving-cert-file":       c.Certs.KubeletCA,
		"cluster-signing-kubelet-serving-key-file":        c.Certs.KubeletCAKey,
		"cluster-signing-legacy-unknown-cert-file":        c.Certs.ServerCA,
		"cluster-signing-legacy-unknown-key-file":         c.Certs.ServerCAKey,
		"kubeconfig":                       c.ControllerKubeconfig,
		"authentication-kubeconfig":        c.ControllerKubeconfig,
		"authorization-kubeconfig":         c.ControllerKubeconfig,
		"leader-elect":                     strconv.FormatBool(c.LeaderElect),
		"profiling":                        "false",
		"root-ca-file":                     c.Certs.ServerCA,
		"secure-port":                      "0",
		"service-account-private-key-file": c.Certs.ServiceKey,
		"service-cluster-ip-range":         c.ServiceCIDR,
		"use-service-account-credentials":  "true",
	}
	return buildArgs("kube-controller-manager", a, c.ExtraControllerManagerArgs)
}

func (c Config) schedulerArgs() ([]string, error) {
	a := map[string]string{
		"authentication-kubeconfig": c.SchedulerKubeconfig,
		"authorization-kubeconfig":  c.SchedulerKubeconfig,
		"bind-address":              "127.0.0.1",
		"kubeconfig":                c.SchedulerKubeconfig,
		"leader-elect":              strconv.FormatBool(c.LeaderElect),
		"profiling":                 "false",
		"secure-port":               "0",
	}
	return buildArgs("kube-scheduler", a, c.ExtraSchedulerArgs)
}

func (c Config) validate() error {
	if c.AdvertiseAddress == nil || c.BindAddress == nil {
		return fmt.Errorf("control plane: bind and advertise addresses are required")
	}
	if len(c.Storage.Endpoints) == 0 {
		return fmt.Errorf("control plane: no storage endpoint")
	}
	return nil
}
