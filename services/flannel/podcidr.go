package flannel

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// podCIDRPoll is how often the node is checked for its pod CIDR.
const podCIDRPoll = 2 * time.Second

// waitPodCIDR waits until the controller-manager has given the node a pod
// CIDR. flannel's lease gives up after a short wait, and a node registers
// only once its kubelet runs: on a busy box (a server starting its whole
// control plane) that takes longer.
func waitPodCIDR(ctx context.Context, kubeconfig, node string, log *slog.Logger) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("flannel: %w", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("flannel: %w", err)
	}
	logged := false
	for {
		n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err == nil && n.Spec.PodCIDR != "" {
			return nil
		}
		if !logged {
			log.Info("waiting for the node's pod CIDR", "node", node)
			logged = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(podCIDRPoll):
		}
	}
}
