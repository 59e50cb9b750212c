package agent

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/roleflags"
)

// Options are the settings of `outpost agent`, from flags and the config
// file.
type Options struct {
	ConfigFile string
	// Server is the join API URL, https://HOST:9345.
	Server           string
	Token, TokenFile string
	DataDir          string
	NodeName         string
	NodeIP           string
	// FlannelIface names the interface flannel's vxlan runs over (default:
	// the one holding NodeIP).
	FlannelIface string
	Labels       []string
	Taints       []string
	KubeletArgs  []string
	ProxyArgs    []string
	// RuntimeBinary is the outpost build with containerd in it.
	RuntimeBinary string
	// ImageDirs are imported into containerd before the kubelet starts.
	ImageDirs []string
	// NodePasswordFile keeps the node password.
	NodePasswordFile string
	// KubeletRootDir is the kubelet's --root-dir.
	KubeletRootDir string
	// RunDir holds sockets and runtime state (containerd's, flannel's).
	RunDir string
	// LogDir receives containerd's log file.
	LogDir string
	// BootDir is where PID 1 left this boot's slot status: the node
	// publishes it on its Node and leaves its healthy mark there once
	// Ready. Empty (the role run by hand): neither.
	BootDir string
	// NoTunnel leaves out the tunnel to the join API: the server's
	// embedded agent needs none, its server dials its kubelet directly.
	NoTunnel bool
	// PrintServices prints the start graph and exits (docs quote it).
	PrintServices bool
}

// Defaults of the flags.
const (
	DefaultConfigFile    = paths.ConfigFile
	DefaultDataDir       = paths.DataDir
	DefaultRuntimeBinary = paths.RuntimeBinary
	DefaultPasswordFile  = paths.NodePassword
	DefaultKubeletRoot   = paths.KubeletRoot
	DefaultRunDir        = paths.RunDir
	DefaultLogDir        = paths.LogDir
	envToken             = "OUTPOST_TOKEN"
	flagToken            = "token"
	flagConfig           = "config"
)

// NewOptions returns the defaults of every flag, for a caller that runs
// the agent without a command line (the server's embedded agent).
func NewOptions() *Options {
	o := &Options{}
	o.flagSet(io.Discard)
	return o
}

// Complete checks o and fills the defaults that depend on the host.
func (o *Options) Complete() error {
	if err := o.validate(); err != nil {
		return err
	}
	return o.complete()
}

// FromConfig maps the node configuration onto the options, flag by flag
// (node_name wins over hostname).
func (o *Options) FromConfig(c *config.Config) []roleflags.Setting {
	str, list := roleflags.String, roleflags.Strings
	return []roleflags.Setting{
		str("server", &o.Server, c.Server),
		str(flagToken, &o.Token, c.Token),
		str("token-file", &o.TokenFile, c.TokenFile),
		str("data-dir", &o.DataDir, c.DataDir),
		str("node-name", &o.NodeName, c.Hostname),
		str("node-name", &o.NodeName, c.NodeName),
		str("node-ip", &o.NodeIP, c.NodeIP),
		str("flannel-iface", &o.FlannelIface, c.FlannelIface),
		roleflags.Pairs("node-label", &o.Labels, c.NodeLabels),
		list("node-taint", &o.Taints, c.NodeTaints),
		list("kubelet-arg", &o.KubeletArgs, c.KubeletArgs),
		list("kube-proxy-arg", &o.ProxyArgs, c.KubeProxyArgs),
	}
}

// flagSet declares every flag of `outpost agent` on o.
func (o *Options) flagSet(out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("outpost agent", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&o.ConfigFile, flagConfig, DefaultConfigFile, "config file with agent keys (flags win); empty for none")
	fs.StringVar(&o.Server, "server", "", fmt.Sprintf("join API of a server, https://HOST:%d", paths.JoinAPIPort))
	fs.StringVar(&o.Token, flagToken, "", "join token (K10 form pins the server CA); prefer --token-file or $"+envToken)
	fs.StringVar(&o.TokenFile, "token-file", "", "file holding the join token")
	fs.StringVar(&o.DataDir, "data-dir", DefaultDataDir, "state directory (the agent uses DIR/agent)")
	fs.StringVar(&o.NodeName, "node-name", "", "node name (default: the host name)")
	fs.StringVar(&o.NodeIP, "node-ip", "", "address the node is reached at (default: the one that routes to the server)")
	fs.StringVar(&o.FlannelIface, "flannel-iface", "", "interface for the vxlan overlay (default: the one holding the node IP)")
	fs.Var((*roleflags.List)(&o.Labels), "node-label", "node label key=value (repeatable)")
	fs.Var((*roleflags.List)(&o.Taints), "node-taint", "node taint key=value:Effect (repeatable)")
	fs.Var((*roleflags.List)(&o.KubeletArgs), "kubelet-arg", "extra kubelet argument key=value (repeatable)")
	fs.Var((*roleflags.List)(&o.ProxyArgs), "kube-proxy-arg", "extra kube-proxy argument key=value (repeatable)")
	fs.StringVar(&o.RuntimeBinary, "runtime-binary", DefaultRuntimeBinary, "outpost build with containerd (started as containerd)")
	fs.StringVar(&o.NodePasswordFile, "node-password-file", DefaultPasswordFile, "where the node password is kept")
	fs.StringVar(&o.KubeletRootDir, "kubelet-root-dir", DefaultKubeletRoot, "kubelet state directory")
	fs.StringVar(&o.RunDir, "run-dir", DefaultRunDir, "runtime directory (sockets)")
	fs.StringVar(&o.LogDir, "log-dir", DefaultLogDir, "directory of service log files")
	fs.StringVar(&o.BootDir, "boot-dir", "", "where PID 1 left the boot's slot status (set by PID 1): published on the Node, marked healthy once Ready")
	fs.BoolVar(&o.PrintServices, "print-services", false, "print the services in start order, what each waits for, and exit")
	return fs
}

// validate checks what would otherwise fail late, with errors that say
// what to do.
func (o *Options) validate() error {
	var errs []error
	if o.Server == "" {
		errs = append(errs, fmt.Errorf("no server given: set --server https://HOST:%d or server: in the config", paths.JoinAPIPort))
	} else if u, err := url.Parse(o.Server); err != nil || u.Scheme != "https" || u.Host == "" {
		errs = append(errs, fmt.Errorf("--server %q is not an https://HOST:PORT URL", o.Server))
	}
	if o.Token == "" && o.TokenFile == "" {
		errs = append(errs, fmt.Errorf("no token given: set --token-file, $%s or token_file: in the config", envToken))
	}
	if o.NodeIP != "" && net.ParseIP(o.NodeIP) == nil {
		errs = append(errs, fmt.Errorf("--node-ip %q is not an IP address", o.NodeIP))
	}
	for _, l := range o.Labels {
		if k, _, ok := strings.Cut(l, "="); !ok || k == "" {
			errs = append(errs, fmt.Errorf("--node-label %q is not key=value", l))
		}
	}
	if o.DataDir == "" {
		errs = append(errs, errors.New("--data-dir is empty"))
	}
	return errors.Join(errs...)
}

// complete fills the defaults that depend on the host.
func (o *Options) complete() error {
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	if o.ImageDirs == nil {
		o.ImageDirs = []string{paths.Images, o.agentDir("images")}
	}
	return nil
}

// agentDir is a folder under DIR/agent.
func (o *Options) agentDir(parts ...string) string {
	return filepath.Join(append([]string{o.DataDir, "agent"}, parts...)...)
}
