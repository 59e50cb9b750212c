package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/tunnel"
)

// runTunnel keeps the node's tunnel to the join API open until ctx ends,
// so that kube-apiserver reaches this kubelet (logs, exec, port-forward)
// even when it cannot dial the node. A tunnel that cannot be set up is
// logged, not fatal: the node runs pods without it.
func (o *Options) runTunnel(ctx context.Context, n *node, log *slog.Logger) {
	c, err := o.tunnelClient(n, log)
	if err != nil {
		log.Error("agent tunnel not started: kubectl logs and exec may not reach this node", "err", err)
		return
	}
	c.Run(ctx)
}

// tunnelClient authenticates as in joining: the token, the CA it pinned,
// the node name, password and IP.
func (o *Options) tunnelClient(n *node, log *slog.Logger) (*tunnel.Client, error) {
	tok, err := o.token()
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(n.Files.ServerCA)
	if err != nil {
		return nil, fmt.Errorf("server CA: %w", err)
	}
	password, err := nodePassword(o.NodePasswordFile)
	if err != nil {
		return nil, err
	}
	jc, err := joinapi.NewClient(o.Server, tok, caPEM)
	if err != nil {
		return nil, err
	}
	ips := []net.IP{n.IP}
	ep := jc.TunnelEndpoint(&joinapi.NodeIdentity{Name: n.Name, Password: password, IPs: ips})
	return &tunnel.Client{URL: ep.URL, RenewURL: ep.RenewURL, Header: ep.Header, TLS: ep.TLS, NodeIPs: ips, Logger: log}, nil
}
