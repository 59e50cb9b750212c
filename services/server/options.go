package server

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"

	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/roleflags"
)

// Options are the settings of `outpost server`, from flags and the config
// file.
type Options struct {
	ConfigFile          string
	DataDir             string
	Token, TokenFile    string
	AgentToken          string
	AgentTokenFile      string
	TLSSANs             roleflags.List
	ClusterCIDR         string
	ServiceCIDR         string
	ClusterDNS          string
	ClusterDomain       string
	BindAddress         string
	AdvertiseAddress    string
	HTTPSPort           int
	SupervisorPort      int
	DatastoreEndpoint   string
	DatastoreCAFile     string
	DatastoreCertFile   string
	DatastoreKeyFile    string
	ClusterInit         bool
	SecretsEncryption   bool
	EtcdClientPort      int
	EtcdPeerPort        int
	WriteKubeconfig     string
	WriteKubeconfigMode string
	DisableAgent        bool
	// PrintServices prints the start graph and exits (docs quote it).
	PrintServices  bool
	Disable        roleflags.List // add-ons not to deploy (services/addons)
	APIServerArgs  roleflags.List
	ControllerArgs roleflags.List
	SchedulerArgs  roleflags.List
	NodeName       string
	// The embedded agent's node settings (see services/agent).
	NodeLabels, NodeTaints roleflags.List
	KubeletArgs, ProxyArgs roleflags.List
	FlannelIface           string
	// BootDir is where PID 1 left the boot's slot status (see
	// services/agent); without an agent the server marks the boot
	// healthy once its control plane is ready.
	BootDir string
}

// Defaults of the flags.
const (
	DefaultConfigFile     = paths.ConfigFile
	DefaultDataDir        = paths.DataDir
	DefaultKubeconfig     = paths.Kubeconfig
	DefaultKubeconfigMode = "0600"
	DefaultClusterCIDR    = "10.42.0.0/16"
	DefaultServiceCIDR    = "10.43.0.0/16"
	DefaultClusterDNS     = "10.43.0.10"
	DefaultClusterDomain  = "cluster.local"
	DefaultHTTPSPort      = paths.APIServerPort
	DefaultSupervisorPort = paths.JoinAPIPort
	DefaultEtcdClientPort = 2379
	DefaultEtcdPeerPort   = 2380
	DefaultBindAddress    = "0.0.0.0"
	envToken              = "OUTPOST_TOKEN"
	envAgentToken         = "OUTPOST_AGENT_TOKEN"
	flagToken, flagAgent  = "token", "agent-token"
	flagConfig            = "config"
)

// flagSet declares every flag of `outpost server` on o.
func (o *Options) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("outpost server", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.ConfigFile, flagConfig, DefaultConfigFile, "config file with server keys (flags win); empty for none")
	fs.StringVar(&o.DataDir, "data-dir", DefaultDataDir, "state directory")
	fs.StringVar(&o.Token, flagToken, "", "cluster token (K10 form or bare secret); prefer --token-file or $"+envToken)
	fs.StringVar(&o.TokenFile, "token-file", "", "file holding the cluster token")
	fs.StringVar(&o.AgentToken, flagAgent, "", "token agents join with; prefer --agent-token-file or $"+envAgentToken)
	fs.StringVar(&o.AgentTokenFile, "agent-token-file", "", "file holding the agent token")
	fs.Var(&o.TLSSANs, "tls-san", "extra name or IP in the kube-apiserver certificate (repeatable)")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", DefaultClusterCIDR, "pod network")
	fs.StringVar(&o.ServiceCIDR, "service-cidr", DefaultServiceCIDR, "service network")
	fs.StringVar(&o.ClusterDNS, "cluster-dns", DefaultClusterDNS, "cluster DNS service IP")
	fs.StringVar(&o.ClusterDomain, "cluster-domain", DefaultClusterDomain, "cluster domain")
	fs.StringVar(&o.BindAddress, "bind-address", DefaultBindAddress, "address kube-apiserver and the join API listen on")
	fs.StringVar(&o.AdvertiseAddress, "advertise-address", "", "address agents reach this server at (default: bind address, or the default route's)")
	fs.IntVar(&o.HTTPSPort, "https-listen-port", DefaultHTTPSPort, "kube-apiserver port")
	fs.IntVar(&o.SupervisorPort, "supervisor-port", DefaultSupervisorPort, "join API port")
	fs.StringVar(&o.DatastoreEndpoint, "datastore-endpoint", "", "postgres://, mysql:// or http(s):// etcd; empty for SQLite or embedded etcd")
	fs.StringVar(&o.DatastoreCAFile, "datastore-cafile", "", "CA of an external datastore")
	fs.StringVar(&o.DatastoreCertFile, "datastore-certfile", "", "client certificate for an external datastore")
	fs.StringVar(&o.DatastoreKeyFile, "datastore-keyfile", "", "client key for an external datastore")
	fs.BoolVar(&o.ClusterInit, "cluster-init", false, "use embedded etcd (single member) instead of SQLite")
	fs.BoolVar(&o.SecretsEncryption, "secrets-encryption", true, "encrypt Secrets in the datastore with a key in <data-dir>/server/cred/encryption-key (false: new writes in clear)")
	fs.IntVar(&o.EtcdClientPort, "etcd-client-port", DefaultEtcdClientPort, "embedded etcd client port (on 127.0.0.1)")
	fs.IntVar(&o.EtcdPeerPort, "etcd-peer-port", DefaultEtcdPeerPort, "embedded etcd peer port (on the advertise address)")
	fs.StringVar(&o.WriteKubeconfig, "write-kubeconfig", DefaultKubeconfig, "where to write the admin kubeconfig")
	fs.StringVar(&o.WriteKubeconfigMode, "write-kubeconfig-mode", DefaultKubeconfigMode, "mode of the admin kubeconfig (octal)")
	fs.BoolVar(&o.DisableAgent, "disable-agent", false, "run the control plane without the node agent")
	fs.BoolVar(&o.PrintServices, "print-services", false, "print the services in start order, what each waits for, and exit")
	fs.Var(&o.Disable, "disable", "add-on not to deploy: coredns (repeatable or comma-separated)")
	fs.Var(&o.APIServerArgs, "kube-apiserver-arg", "extra kube-apiserver argument key=value (repeatable)")
	fs.Var(&o.ControllerArgs, "kube-controller-manager-arg", "extra kube-controller-manager argument key=value (repeatable)")
	fs.Var(&o.SchedulerArgs, "kube-scheduler-arg", "extra kube-scheduler argument key=value (repeatable)")
	fs.StringVar(&o.NodeName, "node-name", "", "node name (default: the host name)")
	fs.Var(&o.NodeLabels, "node-label", "embedded agent: node label key=value (repeatable)")
	fs.Var(&o.NodeTaints, "node-taint", "embedded agent: node taint key=value:Effect (repeatable)")
	fs.Var(&o.KubeletArgs, "kubelet-arg", "embedded agent: extra kubelet argument key=value (repeatable)")
	fs.Var(&o.ProxyArgs, "kube-proxy-arg", "embedded agent: extra kube-proxy argument key=value (repeatable)")
	fs.StringVar(&o.FlannelIface, "flannel-iface", "", "embedded agent: interface for the vxlan overlay (default: the one holding the advertise address)")
	fs.StringVar(&o.BootDir, "boot-dir", "", "where PID 1 left the boot's slot status (set by PID 1): published on the Node, marked healthy once Ready")
	return fs
}

// validate checks the values whose errors would otherwise surface late.
func (o *Options) validate() error {
	var errs []error
	for name, v := range map[string]string{"--cluster-cidr": o.ClusterCIDR, "--service-cidr": o.ServiceCIDR} {
		if _, _, err := net.ParseCIDR(v); err != nil {
			errs = append(errs, fmt.Errorf("%s %q is not a CIDR", name, v))
		}
	}
	for name, v := range map[string]string{"--cluster-dns": o.ClusterDNS, "--bind-address": o.BindAddress, "--advertise-address": o.AdvertiseAddress} {
		if v != "" && net.ParseIP(v) == nil {
			errs = append(errs, fmt.Errorf("%s %q is not an IP address", name, v))
		}
	}
	for name, p := range map[string]int{"--https-listen-port": o.HTTPSPort, "--supervisor-port": o.SupervisorPort, "--etcd-client-port": o.EtcdClientPort, "--etcd-peer-port": o.EtcdPeerPort} {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("%s %d is not a port", name, p))
		}
	}
	if _, err := o.kubeconfigMode(); err != nil {
		errs = append(errs, err)
	}
	if o.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	return errors.Join(errs...)
}

func (o *Options) kubeconfigMode() (os.FileMode, error) {
	m, err := strconv.ParseUint(o.WriteKubeconfigMode, 8, 32)
	if err != nil || m > 0o777 {
		return 0, fmt.Errorf("--write-kubeconfig-mode %q is not an octal mode such as 0600", o.WriteKubeconfigMode)
	}
	return os.FileMode(m), nil
}
