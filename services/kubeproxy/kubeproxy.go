package kubeproxy

import (
	"context"
	"fmt"
	"strings"

	proxyapp "k8s.io/kubernetes/cmd/kube-proxy/app"
)

// Config is what kube-proxy needs from Outpost.
type Config struct {
	NodeName    string
	Kubeconfig  string
	ClusterCIDR string
	// ExtraArgs are key=value flags from the node config (--kube-proxy-arg).
	ExtraArgs []string
}

// Args returns kube-proxy's command line (without argv[0]). Its health and
// metrics stay on loopback; conntrack sysctls are left to stage 2.
func (c Config) Args() []string {
	args := []string{
		"--proxy-mode=iptables",
		"--kubeconfig=" + c.Kubeconfig,
		"--hostname-override=" + c.NodeName,
		"--cluster-cidr=" + c.ClusterCIDR,
		"--healthz-bind-address=127.0.0.1:10256",
		"--metrics-bind-address=127.0.0.1:10249",
		"--conntrack-max-per-core=0",
		"--conntrack-tcp-timeout-established=0s",
		"--conntrack-tcp-timeout-close-wait=0s",
	}
	for _, a := range c.ExtraArgs {
		args = append(args, "--"+strings.TrimLeft(a, "-"))
	}
	return args
}

// Run runs kube-proxy until it fails; upstream gives it no way to stop, so
// it ends with the process.
func Run(ctx context.Context, c Config) error {
	cmd := proxyapp.NewProxyCommand()
	cmd.SetArgs(c.Args())
	if err := cmd.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("kube-proxy: %w", err)
	}
	return ctx.Err()
}
