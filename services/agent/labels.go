package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	kubeletapis "k8s.io/kubelet/pkg/apis"

	"github.com/outpost-os/outpost/services/kubeconfig"
)

// labelRetry is the first wait between tries to label the node;
// labelRetryMax the longest.
const (
	labelRetry    = 2 * time.Second
	labelRetryMax = 30 * time.Second
)

// splitLabels parts key=value labels into those the kubelet may register
// its node with and those it may not: labels in the kubernetes.io and
// k8s.io namespaces outside the kubelet's allowed set (such as
// node-role.kubernetes.io/worker), which the kubelet refuses to start
// with and NodeRestriction refuses to let a node set.
func splitLabels(labels []string) (kubelet, api []string) {
	for _, l := range labels {
		key, _, _ := strings.Cut(l, "=")
		if isKubernetesLabel(key) && !kubeletapis.IsKubeletLabel(key) {
			api = append(api, l)
		} else {
			kubelet = append(kubelet, l)
		}
	}
	return kubelet, api
}

// isKubernetesLabel is the kubelet's test for a label in a namespace
// Kubernetes reserves.
func isKubernetesLabel(key string) bool {
	ns, _, ok := strings.Cut(key, "/")
	if !ok {
		return false
	}
	for _, reserved := range []string{"kubernetes.io", "k8s.io"} {
		if ns == reserved || strings.HasSuffix(ns, "."+reserved) {
			return true
		}
	}
	return false
}

// labelPatch is the merge patch that sets labels on a node.
func labelPatch(labels []string) ([]byte, error) {
	m := map[string]string{}
	for _, l := range labels {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return json.Marshal(map[string]any{"metadata": map[string]any{"labels": m}})
}

// applyLabels sets labels on node through the API as the node's controller
// identity (system:outpost-controller, which may patch nodes). It retries
// until it succeeds, ctx ends, or the API calls the patch invalid: the
// node may not have registered yet, and on a server's first boot the RBAC
// add-on that lets the identity patch nodes may not be applied yet. The
// first failure and every new kind of failure are logged.
func applyLabels(ctx context.Context, kc, node string, labels []string, log *slog.Logger) {
	if len(labels) == 0 {
		return
	}
	log = log.With("labels", strings.Join(labels, ","))
	patch, err := labelPatch(labels)
	if err == nil {
		err = patchNode(ctx, kc, node, patch, log)
	}
	switch {
	case err == nil:
		log.Info("node labels set through the API")
	case ctx.Err() == nil:
		log.Error("cannot set node labels the kubelet may not set itself", "err", err)
	}
}

// patchNode applies a merge patch to node as the identity of kubeconfig
// kc, retrying while the node is not registered or the API refuses for a
// passing reason.
func patchNode(ctx context.Context, kc, node string, patch []byte, log *slog.Logger) error {
	cs, err := kubeconfig.Client(kc)
	if err != nil {
		return fmt.Errorf("controller client: %w", err)
	}
	wait, last := labelRetry, ""
	for {
		_, err := cs.CoreV1().Nodes().Patch(ctx, node, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "outpost"})
		switch {
		case err == nil:
			return nil
		case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
			return fmt.Errorf("patch node %s: %w", node, err)
		case !apierrors.IsNotFound(err) && err.Error() != last:
			last = err.Error()
			log.Warn("cannot patch the node yet; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("patch node %s: %w", node, ctx.Err())
		case <-time.After(wait):
		}
		// Waiting for the node to register keeps the short period; other
		// failures back off.
		if apierrors.IsNotFound(err) {
			wait = labelRetry
		} else {
			wait = min(2*wait, labelRetryMax)
		}
	}
}
