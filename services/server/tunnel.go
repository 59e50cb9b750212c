package server

import (
	"context"
	"fmt"
	"net"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/tunnel"
)

// tunnelParts are the agents' tunnels and the egress proxy kube-apiserver
// reaches kubelets through.
type tunnelParts struct {
	server *tunnel.Server
	egress *tunnel.Egress
}

// startTunnel serves the egress proxy on <data-dir>/server/egress.sock and
// points kube-apiserver at it (server/etc/egress-selector.yaml, read when
// kube-apiserver starts after it). The join API hands agents' tunnels to the
// returned server.
func (b *boot) startTunnel() (*tunnelParts, error) {
	local := []net.IP{b.addrs.Advertise}
	if !b.addrs.Bind.IsUnspecified() {
		local = append(local, b.addrs.Bind)
	}
	client, err := kubeconfig.Client(b.creds.Supervisor)
	if err != nil {
		return nil, fmt.Errorf("tunnel client: %w", err)
	}
	srv := tunnel.NewServer(tunnel.ServerConfig{LocalNode: b.addrs.NodeName, LocalIPs: local, NodeIPs: registeredIPs(client), Logger: b.log})
	egress, err := srv.ListenEgress(filepath.Join(b.dd.Server(), "egress.sock"))
	if err != nil {
		return nil, err
	}
	if err := tunnel.WriteEgressConfig(b.egressConfigPath(), egress.Path()); err != nil {
		egress.Close()
		return nil, err
	}
	return &tunnelParts{server: srv, egress: egress}, nil
}

// registeredIPs reads a node's addresses from its Node object: a tunnel
// carries connections to those, never to what its agent claims.
func registeredIPs(client kubernetes.Interface) func(context.Context, string) ([]net.IP, error) {
	return func(ctx context.Context, node string) ([]net.IP, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("node %s: %w", node, err)
		}
		var ips []net.IP
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP || a.Type == corev1.NodeExternalIP {
				if ip := net.ParseIP(a.Address); ip != nil {
					ips = append(ips, ip)
				}
			}
		}
		return ips, nil
	}
}

// stop ends the tunnels and the egress proxy.
func (t *tunnelParts) stop() {
	t.server.Close()
	t.egress.Close()
}
