package server

import (
	"net"
	"path/filepath"

	"github.com/outpost-os/outpost/services/tunnel"
)

// tunnelParts are the agents' tunnels and the egress proxy kube-apiserver
// reaches kubelets through.
type tunnelParts struct {
	server *tunnel.Server
	egress *tunnel.Egress
}

// startTunnel serves the egress proxy on <data-dir>/server/egress.sock and
// points kube-apiserver at it (server/etc/egress-selector.yaml), before
// the control plane starts. The join API hands agents' tunnels to the
// returned server.
func (b *boot) startTunnel() (*tunnelParts, error) {
	local := []net.IP{b.addrs.Advertise}
	if !b.addrs.Bind.IsUnspecified() {
		local = append(local, b.addrs.Bind)
	}
	srv := tunnel.NewServer(tunnel.ServerConfig{LocalNode: b.addrs.NodeName, LocalIPs: local, Logger: b.log})
	egress, err := srv.ListenEgress(filepath.Join(b.dd.Server(), "egress.sock"))
	if err != nil {
		return nil, err
	}
	config := filepath.Join(b.dd.Server(), "etc", "egress-selector.yaml")
	if err := tunnel.WriteEgressConfig(config, egress.Path()); err != nil {
		egress.Close()
		return nil, err
	}
	b.cpCfg.EgressSelectorConfig = config
	return &tunnelParts{server: srv, egress: egress}, nil
}

// stop ends the tunnels and the egress proxy.
func (t *tunnelParts) stop() {
	t.server.Close()
	t.egress.Close()
}
