package agent

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/services/containerd"
	"github.com/outpost-os/outpost/services/flannel"
	"github.com/outpost-os/outpost/services/kubelet"
	"github.com/outpost-os/outpost/services/kubeproxy"
	"github.com/outpost-os/outpost/services/rolelog"
	"github.com/outpost-os/outpost/services/supervisor"
)

// Run joins the cluster and runs the node until ctx ends (then it returns
// nil once every part has stopped) or a part fails (then it returns that
// part's error, and the role process ends: PID 1 restarts it).
func Run(ctx context.Context, o *Options, log *slog.Logger) error {
	sup := supervisor.New(supervisor.Options{Console: rolelog.SupervisorLines(log), LogDir: o.LogDir, StopWithin: StopWithin})
	return sup.Run(ctx, Services(o, log))
}

// StopWithin bounds the whole stop of the role process, below the 20 s
// PID 1 grants it before SIGKILL.
const StopWithin = 18 * time.Second

func (o *Options) containerdConfig(n *node) containerd.Config {
	c := containerd.Defaults()
	c.Binary = o.RuntimeBinary
	c.Root = o.agentDir("containerd")
	c.State = filepath.Join(o.RunDir, "containerd")
	c.Socket = filepath.Join(c.State, "containerd.sock")
	c.ConfigFile = o.agentDir("etc", "containerd", "config.toml")
	c.CNIConfDir = o.agentDir("etc", "cni", "net.d")
	c.ClusterCIDR, c.ServiceCIDR, c.ClusterDomain = n.Cluster.ClusterCIDR, n.Cluster.ServiceCIDR, n.Cluster.ClusterDomain
	return c
}

func (o *Options) kubeletConfig(n *node, cd containerd.Config) kubelet.Config {
	f := n.Files
	return kubelet.Config{
		NodeName: n.Name, NodeIP: n.IP.String(), Kubeconfig: f.KubeletKubeconfig,
		ClientCA: f.ClientCA, ServingCert: f.ServingCert, ServingKey: f.ServingKey,
		RuntimeEndpoint: cd.Endpoint(), ClusterDNS: n.Cluster.ClusterDNS, ClusterDomain: n.Cluster.ClusterDomain,
		RootDir: o.KubeletRootDir, ConfigFile: o.agentDir("etc", "kubelet.yaml"),
		Labels: o.Labels, Taints: o.Taints, ExtraArgs: o.KubeletArgs,
	}
}

func (o *Options) proxyConfig(n *node) kubeproxy.Config {
	return kubeproxy.Config{NodeName: n.Name, Kubeconfig: n.Files.ProxyKubeconfig, ClusterCIDR: n.Cluster.ClusterCIDR, ExtraArgs: o.ProxyArgs}
}

func (o *Options) flannelConfig(n *node, cd containerd.Config) flannel.Config {
	return flannel.Config{
		NodeName: n.Name, NodeIP: n.IP, Iface: o.FlannelIface, Kubeconfig: n.Files.ControllerKubeconfig,
		ClusterCIDR: n.Cluster.ClusterCIDR, Dir: filepath.Join(o.RunDir, "flannel"),
		CNIConfFile: filepath.Join(cd.CNIConfDir, "10-outpost.conflist"),
	}
}
