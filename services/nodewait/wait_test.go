package nodewait

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func TestHasAddress(t *testing.T) {
	for _, c := range []struct {
		name  string
		addrs []corev1.NodeAddress
		want  bool
	}{
		{"none", nil, false},
		{"hostname only", []corev1.NodeAddress{{Type: corev1.NodeHostName, Address: "edge-1"}}, false},
		{"internal", []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.2.15"}}, true},
		{"external", []corev1.NodeAddress{{Type: corev1.NodeExternalIP, Address: "192.0.2.7"}}, true},
		{"not an IP", []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "edge-1"}}, false},
	} {
		n := &corev1.Node{Status: corev1.NodeStatus{Addresses: c.addrs}}
		if got := HasAddress(n); got != c.want {
			t.Errorf("%s: HasAddress = %v, want %v", c.name, got, c.want)
		}
	}
}

// The wait ends once the node registers with an address, not before: not
// while it is missing, nor while it has no address yet.
func TestUntilWaitsForTheState(t *testing.T) {
	cs := fake.NewClientset()
	gets := make(chan struct{}, 1000)
	cs.PrependReactor("get", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		select {
		case gets <- struct{}{}:
		default:
		}
		return false, nil, nil
	})
	w := Waiter{Client: cs, Node: "edge-1", Every: time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- w.Until(ctx, "an address", HasAddress) }()

	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "edge-1"}}
	for _, step := range []func() error{
		func() error { _, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); return err },
		func() error {
			node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "10.0.2.15"}}
			_, err := cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
			return err
		},
	} {
		// Two reads after the last step: the first saw its state, and its
		// answer was looked at before the second.
		for range 2 {
			select {
			case <-gets:
			case err := <-done:
				t.Fatalf("the wait ended before the node had an address: %v", err)
			case <-ctx.Done():
				t.Fatal("the node was not read again")
			}
		}
		if err := step(); err != nil {
			t.Fatal(err)
		}
		drain(gets)
	}
	if err := <-done; err != nil {
		t.Fatalf("Until: %v", err)
	}
}

func TestUntilEndsWithTheContext(t *testing.T) {
	w := Waiter{Client: fake.NewClientset(), Node: "edge-1", Every: time.Millisecond, Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := w.Until(ctx, "a pod CIDR", HasPodCIDR)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Until = %v, want the context's deadline", err)
	}
}

func drain(c chan struct{}) {
	for {
		select {
		case <-c:
		default:
			return
		}
	}
}

func TestIsReady(t *testing.T) {
	cond := func(st corev1.ConditionStatus) []corev1.NodeCondition {
		return []corev1.NodeCondition{{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionTrue}, {Type: corev1.NodeReady, Status: st}}
	}
	for name, c := range map[string]struct {
		conds []corev1.NodeCondition
		want  bool
	}{
		"no conditions": {nil, false},
		"ready":         {cond(corev1.ConditionTrue), true},
		"not ready":     {cond(corev1.ConditionFalse), false},
		"unknown":       {cond(corev1.ConditionUnknown), false},
	} {
		n := &corev1.Node{Status: corev1.NodeStatus{Conditions: c.conds}}
		if got := IsReady(n); got != c.want {
			t.Errorf("%s: IsReady = %v, want %v", name, got, c.want)
		}
	}
}
