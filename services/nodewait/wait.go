package nodewait

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	utilnode "k8s.io/kubernetes/pkg/util/node"
)

// Poll is how often the Node is read while waiting.
const Poll = time.Second

// HasAddress reports whether the kubelet has registered the node with an
// InternalIP or ExternalIP: the addresses kube-proxy reads at its start.
func HasAddress(n *corev1.Node) bool {
	ips, err := utilnode.GetNodeHostIPs(n)
	return err == nil && len(ips) > 0
}

// HasPodCIDR reports whether the controller-manager has given the node its
// pod CIDR.
func HasPodCIDR(n *corev1.Node) bool { return n.Spec.PodCIDR != "" }

// IsReady reports whether the node's Ready condition is True: the kubelet
// runs, its runtime and network are up.
func IsReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Waiter reads one Node through one client.
type Waiter struct {
	Client kubernetes.Interface
	Node   string
	Every  time.Duration // Poll when zero
	Log    *slog.Logger
}

// Until reads the Node until met holds or ctx ends; what names the state
// in the log and the error. It logs once that it waits, and each new kind
// of error other than the Node not existing yet.
func (w Waiter) Until(ctx context.Context, what string, met func(*corev1.Node) bool) error {
	every := w.Every
	if every == 0 {
		every = Poll
	}
	log := w.Log.With("node", w.Node, "for", what)
	waiting, last := false, ""
	for {
		n, err := w.Client.CoreV1().Nodes().Get(ctx, w.Node, metav1.GetOptions{})
		switch {
		case err == nil && met(n):
			if waiting {
				log.Info("the node has what was waited for")
			}
			return nil
		case err != nil && !apierrors.IsNotFound(err) && err.Error() != last && ctx.Err() == nil:
			last = err.Error()
			log.Warn("cannot read the node yet; retrying", "err", err)
		case !waiting:
			log.Info("waiting for the node")
		}
		waiting = true
		select {
		case <-ctx.Done():
			return fmt.Errorf("wait for node %s to have %s: %w", w.Node, what, ctx.Err())
		case <-time.After(every):
		}
	}
}
