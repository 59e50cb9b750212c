package server

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/outpost-os/outpost/services/agent"
)

// controlPlaneLabel marks the server's own node, as kubeadm and k3s do.
// The kubelet may not set labels in the node-role namespace itself
// (NodeRestriction); the agent sets such labels through the API once the
// node registers.
const controlPlaneLabel = "node-role.kubernetes.io/control-plane"

// startAgent runs the embedded agent (unless --disable-agent): it joins
// this server's own join API on loopback with the agent token, like any
// other node. The returned channel gets the agent's error if it fails.
func (b *boot) startAgent(ctx context.Context) <-chan error {
	failed := make(chan error, 1)
	if b.o.DisableAgent {
		return failed
	}
	o, err := b.agentOptions()
	if err != nil {
		failed <- fmt.Errorf("embedded agent: %w", err)
		return failed
	}
	go func() {
		if err := agent.Run(ctx, o, b.log.With("role", "agent")); err != nil {
			failed <- fmt.Errorf("embedded agent: %w", err)
		}
	}()
	return failed
}

func (b *boot) agentOptions() (*agent.Options, error) {
	o := agent.NewOptions()
	o.Server = "https://127.0.0.1:" + strconv.Itoa(b.o.SupervisorPort)
	// The server token: the server's own node is the one whose kubelet
	// may carry the server's names and addresses.
	o.Token = b.serverTok.Encode()
	o.DataDir = b.root
	o.NodeName = b.addrs.NodeName
	o.NodeIP = b.addrs.Advertise.String()
	o.Labels = append(slices.Clone(b.o.NodeLabels), controlPlaneLabel+"=true")
	o.Taints = b.o.NodeTaints
	o.KubeletArgs, o.ProxyArgs = b.o.KubeletArgs, b.o.ProxyArgs
	o.NoTunnel = true
	return o, o.Complete()
}

// firstOf forwards the first error of either channel.
func firstOf(a, b <-chan error) <-chan error {
	out := make(chan error, 1)
	go func() {
		select {
		case err := <-a:
			out <- err
		case err := <-b:
			out <- err
		}
	}()
	return out
}
