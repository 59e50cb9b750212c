// Package containerd runs the node's container runtime: it writes
// containerd's configuration (overlayfs, runc v2 with cgroupfs, the pause
// image from the baked images, the CNI folders), runs containerd as a
// supervised child process started from the outpost-runtime build
// (/usr/lib/outpost/containerd, argv[0] containerd), reports it ready when
// it answers CRI, and imports the baked image archives through that build's
// images-import command. It does not link containerd itself: the role
// process (the full build, with Kubernetes) only forks it. See
// docs/containerd.md.
package containerd

import (
	"os"
	"strconv"
	"strings"

	"github.com/outpost-os/outpost/services/baked"
	"github.com/outpost-os/outpost/services/paths"
)

// Default paths on a node.
const (
	DefaultRoot       = paths.ContainerdRoot
	DefaultState      = paths.ContainerdState
	DefaultSocket     = paths.ContainerdSocket
	DefaultConfigFile = paths.ContainerdConfig
	DefaultCNIBinDir  = "/usr/lib/cni" // Debian's containernetworking-plugins
	DefaultCNIConfDir = paths.CNIConfDir
	DefaultRunc       = "/usr/sbin/runc" // Debian's runc
	// DefaultPath is containerd's PATH: the shim is found there as
	// containerd-shim-runc-v2 (/usr/bin), and the CNI plugins it runs call
	// iptables (/usr/sbin).
	DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
)

// Config is where containerd keeps its files and what it runs. Defaults()
// has the node's values; tests point the paths at a temporary folder.
type Config struct {
	// Binary is the outpost-runtime build, run as containerd.
	Binary string
	// Root holds images, snapshots and metadata (persistent); State holds
	// sockets and task state (tmpfs).
	Root, State string
	// Socket is containerd's gRPC (and CRI) socket; Socket+".ttrpc" is its
	// ttrpc socket for the shims.
	Socket string
	// ConfigFile is where the generated config.toml goes.
	ConfigFile string
	// SandboxImage is the pod sandbox (pause) image, one of the baked ones.
	SandboxImage string
	// CNIBinDir holds the CNI plugins, CNIConfDir the network config that
	// flannel's setup writes.
	CNIBinDir, CNIConfDir string
	// Runc is the runc binary the shim runs.
	Runc string
	// Path is containerd's PATH (inherited by the shims and CNI plugins).
	Path string
	// LogLevel is containerd's log level (info unless set).
	LogLevel string
	// RestrictOOMScoreAdj keeps containers' OOM score adjustments at or
	// above containerd's own. Needed where the process lacks
	// CAP_SYS_RESOURCE (inside a container): lowering a score needs it, and
	// runc fails to start every pod sandbox (-998) without it.
	RestrictOOMScoreAdj bool
	// Proxy settings, passed to containerd (for pulls) as HTTP_PROXY,
	// HTTPS_PROXY and NO_PROXY. The cluster network must never go through
	// a proxy: ClusterCIDR, ServiceCIDR, .svc and ClusterDomain are added
	// to NO_PROXY.
	HTTPProxy, HTTPSProxy, NoProxy string
	ClusterCIDR, ServiceCIDR       string
	ClusterDomain                  string
}

// Defaults returns the configuration of a node.
func Defaults() Config {
	return Config{
		Binary:        paths.RuntimeBinary,
		Root:          DefaultRoot,
		State:         DefaultState,
		Socket:        DefaultSocket,
		ConfigFile:    DefaultConfigFile,
		SandboxImage:  baked.Pause,
		CNIBinDir:     DefaultCNIBinDir,
		CNIConfDir:    DefaultCNIConfDir,
		Runc:          DefaultRunc,
		Path:          DefaultPath,
		LogLevel:      "info",
		ClusterCIDR:   "10.42.0.0/16",
		ServiceCIDR:   "10.43.0.0/16",
		ClusterDomain: "cluster.local",
		// A node's PID 1 has every capability; an agent run on a host
		// inside a container may not.
		RestrictOOMScoreAdj: !hasCapability(capSysResource),
	}
}

// capSysResource is CAP_SYS_RESOURCE's bit in the capability sets.
const capSysResource = 24

// hasCapability reports whether this process has capability bit in its
// effective set (from /proc/self/status; false when that cannot be read).
func hasCapability(bit uint) bool {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "CapEff:"); ok {
			caps, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			return err == nil && caps&(1<<bit) != 0
		}
	}
	return false
}

// Endpoint is the CRI endpoint the kubelet is given
// (--container-runtime-endpoint).
func (c Config) Endpoint() string { return "unix://" + c.Socket }

// Env is containerd's environment: PATH, and the proxy settings when a
// proxy is set.
func (c Config) Env() []string {
	env := []string{"PATH=" + c.Path}
	if c.HTTPProxy == "" && c.HTTPSProxy == "" {
		return env
	}
	if c.HTTPProxy != "" {
		env = append(env, "HTTP_PROXY="+c.HTTPProxy, "http_proxy="+c.HTTPProxy)
	}
	if c.HTTPSProxy != "" {
		env = append(env, "HTTPS_PROXY="+c.HTTPSProxy, "https_proxy="+c.HTTPSProxy)
	}
	no := c.noProxy()
	return append(env, "NO_PROXY="+no, "no_proxy="+no)
}

// noProxy is NoProxy with the local and cluster networks added, each once.
func (c Config) noProxy() string {
	var out []string
	seen := map[string]bool{}
	add := func(items ...string) {
		for _, s := range items {
			if s = strings.TrimSpace(s); s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	add(strings.Split(c.NoProxy, ",")...)
	add("localhost", "127.0.0.1", "::1", c.ClusterCIDR, c.ServiceCIDR, ".svc")
	if c.ClusterDomain != "" {
		add("." + strings.TrimPrefix(c.ClusterDomain, "."))
	}
	return strings.Join(out, ",")
}
