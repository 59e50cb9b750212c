package flannel

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"sync"

	"github.com/flannel-io/flannel/pkg/backend"
	_ "github.com/flannel-io/flannel/pkg/backend/vxlan" // registers the vxlan backend
	"github.com/flannel-io/flannel/pkg/ip"
	"github.com/flannel-io/flannel/pkg/ipmatch"
	"github.com/flannel-io/flannel/pkg/subnet"
	"github.com/flannel-io/flannel/pkg/subnet/kube"
	"github.com/flannel-io/flannel/pkg/trafficmngr/iptables"

	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/paths"
)

// Config is what flannel needs from Outpost.
type Config struct {
	NodeName string
	// NodeIP selects the interface vxlan runs over, unless Iface names one.
	NodeIP net.IP
	Iface  string
	// Kubeconfig is system:outpost-controller's: flannel lists every node,
	// which the Node authorizer denies a kubelet's identity.
	Kubeconfig  string
	ClusterCIDR string
	// Dir holds net-conf.json and subnet.env.
	Dir string
	// CNIConfFile is where the CNI network list goes.
	CNIConfFile string
}

// annotationPrefix is flannel's own, so nodes look as they do under
// upstream flannel.
const annotationPrefix = "flannel.alpha.coreos.com"

// resyncSeconds is how often the iptables rules are checked.
const resyncSeconds = 60

// Run sets up the overlay, writes the CNI config once the node's subnet is
// known, and runs the overlay until ctx ends.
func Run(ctx context.Context, c Config, log *slog.Logger) error {
	netConf, err := c.writeNetConf()
	if err != nil {
		return err
	}
	if err := waitPodCIDR(ctx, c.Kubeconfig, c.NodeName, log); err != nil {
		return err
	}
	// flannel's Kubernetes subnet manager learns its node's name from the
	// environment only.
	if err := os.Setenv("NODE_NAME", c.NodeName); err != nil {
		return fmt.Errorf("flannel: %w", err)
	}
	sm, err := kube.NewSubnetManager(ctx, "", c.Kubeconfig, annotationPrefix, netConf, true)
	if err != nil {
		return fmt.Errorf("flannel subnet manager: %w", err)
	}
	cfg, err := sm.GetNetworkConfig(ctx)
	if err != nil {
		return fmt.Errorf("flannel network config: %w", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	bn, err := c.register(ctx, sm, cfg, &wg)
	if err != nil {
		return err
	}
	if err := rules(ctx, cfg, bn); err != nil {
		return err
	}
	if err := c.writeFiles(sm, cfg, bn); err != nil {
		return err
	}
	log.Info("pod network ready", "subnet", bn.Lease().Subnet.String(), "mtu", bn.MTU(), "iface", bn.Lease().Attrs.PublicIP.String())
	wg.Add(1)
	go func() { defer wg.Done(); bn.Run(ctx) }()
	if err := sm.CompleteLease(ctx, bn.Lease(), &wg); err != nil && ctx.Err() == nil {
		return fmt.Errorf("flannel lease: %w", err)
	}
	<-ctx.Done()
	return nil
}

// register finds the external interface and registers the vxlan network,
// which acquires the node's lease (its pod CIDR).
func (c Config) register(ctx context.Context, sm subnet.Manager, cfg *subnet.Config, wg *sync.WaitGroup) (backend.Network, error) {
	ext, err := c.externalInterface()
	if err != nil {
		return nil, err
	}
	be, err := backend.NewManager(ctx, sm, ext).GetBackend(cfg.BackendType)
	if err != nil {
		return nil, fmt.Errorf("flannel backend %s: %w", cfg.BackendType, err)
	}
	bn, err := be.RegisterNetwork(ctx, wg, cfg)
	if err != nil {
		return nil, fmt.Errorf("flannel register network: %w", err)
	}
	return bn, nil
}

func (c Config) externalInterface() (*backend.ExternalInterface, error) {
	stack, err := ipmatch.GetIPFamily(true, false)
	if err != nil {
		return nil, err
	}
	name := c.Iface
	if name == "" && c.NodeIP != nil {
		name = c.NodeIP.String()
	}
	opts := ipmatch.PublicIPOpts{}
	if c.NodeIP != nil {
		opts.PublicIP = c.NodeIP.String()
	}
	ext, err := ipmatch.LookupExtIface(name, "", "", stack, opts)
	if err != nil {
		return nil, fmt.Errorf("flannel: no interface for %q: %w (set --flannel-iface)", name, err)
	}
	return ext, nil
}

// rules keeps the masquerade rules for traffic leaving the cluster network
// and the forward rules that let it through.
func rules(ctx context.Context, cfg *subnet.Config, bn backend.Network) error {
	tm := &iptables.IPTablesManager{}
	if err := tm.Init(ctx); err != nil {
		return fmt.Errorf("flannel iptables: %w", err)
	}
	err := tm.SetupAndEnsureMasqRules(ctx, cfg.Network, ip.IP4Net{}, ip.IP4Net{}, cfg.IPv6Network, ip.IP6Net{}, ip.IP6Net{}, bn.Lease(), resyncSeconds, false)
	if err != nil {
		return fmt.Errorf("flannel masquerade rules: %w", err)
	}
	tm.SetupAndEnsureForwardRules(ctx, cfg.Network, cfg.IPv6Network, resyncSeconds)
	return nil
}

func (c Config) writeNetConf() (string, error) {
	// The port is the kernel's default for vxlan, said here so that the
	// one table of ports (services/paths) is the one that counts.
	backend := map[string]any{"Type": "vxlan", "Port": paths.VXLANPort}
	conf := map[string]any{"Network": c.ClusterCIDR, "EnableIPv4": true, "Backend": backend}
	data, err := json.Marshal(conf)
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.Dir, "net-conf.json")
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return "", fmt.Errorf("flannel: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return "", fmt.Errorf("flannel: %w", err)
	}
	return path, nil
}

// writeFiles writes flannel's subnet.env (what other tools read) and the
// CNI config.
func (c Config) writeFiles(sm subnet.Manager, cfg *subnet.Config, bn backend.Network) error {
	l := bn.Lease()
	if err := sm.HandleSubnetFile(filepath.Join(c.Dir, "subnet.env"), cfg, true, l.Subnet, l.IPv6Subnet, bn.MTU()); err != nil {
		return fmt.Errorf("flannel subnet file: %w", err)
	}
	return writeCNIConfig(c.CNIConfFile, l.Subnet.ToIPNet(), cfg.Network.ToIPNet(), bn.MTU())
}
