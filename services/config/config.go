package config

import (
	"time"

	"github.com/outpost-os/outpost/services/paths"
)

// Paths of the configuration files on a node.
const (
	// Path is the effective configuration PID 1 writes after the merge.
	Path = paths.ConfigFile
	// StatePath is the configuration kept on the state partition, the
	// lowest-precedence source.
	StatePath = paths.StateConfig
	// DefaultDataDir is where the role process keeps its state.
	DefaultDataDir = paths.DataDir
	// MaxSize caps every configuration input (a file, a user-data blob, an
	// HTTP answer, once decompressed).
	MaxSize = 1 << 20
)

// Role is what the node runs: a Kubernetes server or an agent.
type Role string

// The roles a node can have.
const (
	RoleServer Role = "server"
	RoleAgent  Role = "agent"
)

// Config is the node configuration: what PID 1 applies itself (PID1Keys)
// and the settings of the roles, which map its fields onto their options.
// The YAML keys are snake_case (kebab-case and the roles' flag names are
// read too, see keys.go); every key is optional in a layer, and the merged
// result is validated as a whole.
type Config struct {
	Hostname   string `json:"hostname,omitempty" yaml:"hostname,omitempty"`
	InstanceID string `json:"instance_id,omitempty" yaml:"instance_id,omitempty"`
	Role       Role   `json:"role,omitempty" yaml:"role,omitempty"`
	// Server is the URL of the server an agent (or a joining server) joins,
	// e.g. https://10.0.0.1:6443.
	Server string `json:"server,omitempty" yaml:"server,omitempty"`
	// Token is the join token (secret). TokenFile names a file holding it.
	Token     string `json:"token,omitempty" yaml:"token,omitempty"`
	TokenFile string `json:"token_file,omitempty" yaml:"token_file,omitempty"`

	NodeLabels map[string]string `json:"node_labels,omitempty" yaml:"node_labels,omitempty"`
	NodeTaints []string          `json:"node_taints,omitempty" yaml:"node_taints,omitempty"`
	NodeIP     string            `json:"node_ip,omitempty" yaml:"node_ip,omitempty"`
	// FlannelIface names the interface of the vxlan overlay (default: the
	// one holding the node IP).
	FlannelIface string `json:"flannel_iface,omitempty" yaml:"flannel_iface,omitempty"`

	KubeAPIServerArgs         []string `json:"kube_apiserver_args,omitempty" yaml:"kube_apiserver_args,omitempty"`
	KubeControllerManagerArgs []string `json:"kube_controller_manager_args,omitempty" yaml:"kube_controller_manager_args,omitempty"`
	KubeSchedulerArgs         []string `json:"kube_scheduler_args,omitempty" yaml:"kube_scheduler_args,omitempty"`
	KubeletArgs               []string `json:"kubelet_args,omitempty" yaml:"kubelet_args,omitempty"`
	KubeProxyArgs             []string `json:"kube_proxy_args,omitempty" yaml:"kube_proxy_args,omitempty"`

	Modules    []string          `json:"modules,omitempty" yaml:"modules,omitempty"`
	Sysctls    map[string]string `json:"sysctls,omitempty" yaml:"sysctls,omitempty"`
	WriteFiles []WriteFile       `json:"write_files,omitempty" yaml:"write_files,omitempty"`

	Network Network `json:"network,omitempty" yaml:"network,omitempty"`
	NTP     NTP     `json:"ntp,omitempty" yaml:"ntp,omitempty"`
	// BootDeadline is how long a boot of a newly installed slot has to
	// become a healthy node before PID 1 gives the try up and reboots (a
	// duration, e.g. 15m; DefaultBootDeadline when empty).
	BootDeadline string `json:"boot_deadline,omitempty" yaml:"boot_deadline,omitempty"`

	DatastoreEndpoint string `json:"datastore_endpoint,omitempty" yaml:"datastore_endpoint,omitempty"`
	// TLS files of an external datastore.
	DatastoreCAFile   string `json:"datastore_cafile,omitempty" yaml:"datastore_cafile,omitempty"`
	DatastoreCertFile string `json:"datastore_certfile,omitempty" yaml:"datastore_certfile,omitempty"`
	DatastoreKeyFile  string `json:"datastore_keyfile,omitempty" yaml:"datastore_keyfile,omitempty"`
	// Embedded etcd's ports (--cluster-init).
	EtcdClientPort int  `json:"etcd_client_port,omitempty" yaml:"etcd_client_port,omitempty"`
	EtcdPeerPort   int  `json:"etcd_peer_port,omitempty" yaml:"etcd_peer_port,omitempty"`
	ClusterInit    bool `json:"cluster_init,omitempty" yaml:"cluster_init,omitempty"`
	// SecretsEncryption is nil when not given: the server's default (on).
	SecretsEncryption *bool    `json:"secrets_encryption,omitempty" yaml:"secrets_encryption,omitempty"`
	TLSSANs           []string `json:"tls_sans,omitempty" yaml:"tls_sans,omitempty"`
	DataDir           string   `json:"data_dir,omitempty" yaml:"data_dir,omitempty"`

	// Server keys, read by outpost server (see docs/server.md).
	ClusterCIDR         string `json:"cluster_cidr,omitempty" yaml:"cluster_cidr,omitempty"`
	ServiceCIDR         string `json:"service_cidr,omitempty" yaml:"service_cidr,omitempty"`
	ClusterDNS          string `json:"cluster_dns,omitempty" yaml:"cluster_dns,omitempty"`
	ClusterDomain       string `json:"cluster_domain,omitempty" yaml:"cluster_domain,omitempty"`
	AgentToken          string `json:"agent_token,omitempty" yaml:"agent_token,omitempty"`
	AgentTokenFile      string `json:"agent_token_file,omitempty" yaml:"agent_token_file,omitempty"`
	DisableAgent        bool   `json:"disable_agent,omitempty" yaml:"disable_agent,omitempty"`
	NodeName            string `json:"node_name,omitempty" yaml:"node_name,omitempty"`
	BindAddress         string `json:"bind_address,omitempty" yaml:"bind_address,omitempty"`
	AdvertiseAddress    string `json:"advertise_address,omitempty" yaml:"advertise_address,omitempty"`
	HTTPSListenPort     int    `json:"https_listen_port,omitempty" yaml:"https_listen_port,omitempty"`
	SupervisorPort      int    `json:"supervisor_port,omitempty" yaml:"supervisor_port,omitempty"`
	WriteKubeconfig     string `json:"write_kubeconfig,omitempty" yaml:"write_kubeconfig,omitempty"`
	WriteKubeconfigMode string `json:"write_kubeconfig_mode,omitempty" yaml:"write_kubeconfig_mode,omitempty"`

	// Disable names add-ons the server does not deploy (coredns).
	Disable []string `json:"disable,omitempty" yaml:"disable,omitempty"`
}

// DefaultBootDeadline is BootDeadline's default: a server under emulation
// is Ready within a few minutes.
const DefaultBootDeadline = 10 * time.Minute

// MinBootDeadline is the shortest BootDeadline allowed.
const MinBootDeadline = 30 * time.Second

// Deadline is BootDeadline as a duration (checked by Validate).
func (c *Config) Deadline() time.Duration {
	d, err := time.ParseDuration(c.BootDeadline)
	if err != nil || c.BootDeadline == "" {
		return DefaultBootDeadline
	}
	return d
}

// IsZero tells whether the network section sets nothing (DHCP everywhere).
func (n Network) IsZero() bool {
	return len(n.Interfaces) == 0 && len(n.Nameservers) == 0 && len(n.Search) == 0
}

// IsZero tells whether no time server is configured.
func (n NTP) IsZero() bool { return len(n.Servers) == 0 }
