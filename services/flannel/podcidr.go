package flannel

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/nodewait"
)

// waitPodCIDR waits until the controller-manager has given the node a pod
// CIDR. flannel's lease gives up after a short wait, and a node registers
// only once its kubelet runs: on a busy box (a server starting its whole
// control plane) that takes longer.
func waitPodCIDR(ctx context.Context, kc, node string, log *slog.Logger) error {
	cs, err := kubeconfig.Client(kc)
	if err != nil {
		return fmt.Errorf("flannel: %w", err)
	}
	w := nodewait.Waiter{Client: cs, Node: node, Log: log}
	if err := w.Until(ctx, "a pod CIDR", nodewait.HasPodCIDR); err != nil {
		return fmt.Errorf("flannel: %w", err)
	}
	return nil
}
