package agent

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	logsapi "k8s.io/component-base/logs/api/v1"

	"github.com/outpost-os/outpost/services/containerd"
	"github.com/outpost-os/outpost/services/flannel"
	"github.com/outpost-os/outpost/services/kubelet"
	"github.com/outpost-os/outpost/services/kubeproxy"
	"github.com/outpost-os/outpost/services/supervisor"
)

// Run joins the cluster and runs the node until ctx ends (then it returns
// nil) or a part fails (then it returns that part's error, and the role
// process ends: PID 1 restarts it).
func Run(ctx context.Context, o *Options, log *slog.Logger) error {
	// The kubelet and kube-proxy each apply the (same) logging
	// configuration; upstream refuses a second apply unless told.
	logsapi.ReapplyHandling = logsapi.ReapplyHandlingIgnoreUnchanged
	n, err := join(ctx, o, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if tok, err := o.token(); err == nil {
		go o.keepCertsFresh(ctx, n, tok, log)
	}
	if !o.NoTunnel {
		go o.runTunnel(ctx, n, log)
	}
	cd := o.containerdConfig(n)
	sup := supervisor.New(supervisor.Options{Console: logWriter{log}, LogDir: o.LogDir})
	if err := sup.Start(ctx, []supervisor.Service{cd.Service(nil)}); err != nil {
		return err
	}
	defer sup.Stop()
	if err := sup.Wait(ctx, containerd.ServiceName); err != nil {
		return err
	}
	if err := containerd.Import(ctx, o.RuntimeBinary, cd.Socket, o.ImageDirs...); err != nil {
		log.Error("some images were not imported; pods that need them will not start", "err", err)
	}
	return runNode(ctx, o, n, cd, log)
}

// runNode runs the kubelet, kube-proxy and flannel until one fails or ctx
// ends.
func runNode(ctx context.Context, o *Options, n *node, cd containerd.Config, log *slog.Logger) error {
	errc := make(chan error, 3)
	run := func(name string, f func() error) {
		go func() {
			err := f()
			if err == nil && ctx.Err() == nil {
				err = fmt.Errorf("%s stopped", name)
			}
			errc <- err
		}()
	}
	resolv, err := o.resolvConf()
	if err != nil {
		return err
	}
	kc := o.kubeletConfig(n, cd)
	kc.ResolvConf = resolv
	var apiLabels []string
	kc.Labels, apiLabels = splitLabels(o.Labels)
	go applyLabels(ctx, n.Files.ControllerKubeconfig, n.Name, apiLabels, log)
	run("kubelet", func() error { return kubelet.Run(ctx, kc) })
	run("kube-proxy", func() error { return kubeproxy.Run(ctx, o.proxyConfig(n)) })
	run("flannel", func() error { return flannel.Run(ctx, o.flannelConfig(n, cd), log) })
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
}

// logWriter turns the supervisor's console lines (starts, exits,
// restarts of containerd) into the role's log records, so they reach the
// node's console too.
type logWriter struct{ log *slog.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(strings.TrimSpace(string(p)), "\n") {
		w.log.Info(strings.TrimPrefix(line, "outpost: "))
	}
	return len(p), nil
}

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
