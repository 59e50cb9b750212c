package server_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/addons"
	"github.com/outpost-os/outpost/services/baked"
	"github.com/outpost-os/outpost/tests/vm"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// checkKubeconfigCommand fetches an admin kubeconfig with `outpost
// kubeconfig` and the server token, uses it with kubectl, and is refused
// with the agent token.
func checkKubeconfigCommand(t *testing.T, s *server) {
	join := vm.LocalURL(s.ports.Supervisor)
	out := filepath.Join(t.TempDir(), "kubeconfig")
	if msg, err := vm.Run(vm.CmdTimeout, binary, vm.KubeconfigArgs(join, filepath.Join(s.dir, "server", "token"), "", out)...); err != nil {
		t.Fatalf("outpost kubeconfig: %v\n%s", err, msg)
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig %v: %v", info.Mode().Perm(), err)
	}
	ns, err := vm.Kubectl(vm.CmdTimeout, binary, out, "get", "ns", "-o", "name")
	if err != nil || !strings.Contains(ns, "namespace/kube-system") {
		t.Fatalf("kubectl get ns with the fetched kubeconfig: %v\n%s", err, ns)
	}

	refused := filepath.Join(t.TempDir(), "refused")
	msg := runFailing(t, vm.KubeconfigArgs(join, filepath.Join(s.dir, "server", "agent-token"), "", refused)...)
	if !strings.Contains(msg, "this token is an agent token: admin access needs the server token (403)") {
		t.Errorf("agent token: want the 403 explanation, got:\n%s", msg)
	}
	if _, err := os.Stat(refused); err == nil {
		t.Error("a kubeconfig was written for the agent token")
	}
}

// addonObjects are the CoreDNS objects, by kind and name.
var addonObjects = []struct{ kind, ns, name string }{
	{"ServiceAccount", "kube-system", "coredns"},
	{"ClusterRole", "", "system:coredns"},
	{"ClusterRoleBinding", "", "system:coredns"},
	{"ConfigMap", "kube-system", "coredns"},
	{"Deployment", "kube-system", "coredns"},
	{"Service", "kube-system", "kube-dns"},
}

// addonVersions maps each add-on object to its resourceVersion, except
// the Deployment, whose status the controller-manager keeps writing: it
// maps to its generation (spec changes only).
func addonVersions(t *testing.T, c kubernetes.Interface) map[string]string {
	t.Helper()
	ctx, get := context.Background(), metav1.GetOptions{}
	v := map[string]string{}
	for _, o := range addonObjects {
		var m metav1.Object
		var err error
		switch o.kind {
		case "ServiceAccount":
			m, err = c.CoreV1().ServiceAccounts(o.ns).Get(ctx, o.name, get)
		case "ClusterRole":
			m, err = c.RbacV1().ClusterRoles().Get(ctx, o.name, get)
		case "ClusterRoleBinding":
			m, err = c.RbacV1().ClusterRoleBindings().Get(ctx, o.name, get)
		case "ConfigMap":
			m, err = c.CoreV1().ConfigMaps(o.ns).Get(ctx, o.name, get)
		case "Deployment":
			m, err = c.AppsV1().Deployments(o.ns).Get(ctx, o.name, get)
		case "Service":
			m, err = c.CoreV1().Services(o.ns).Get(ctx, o.name, get)
		}
		if err != nil {
			t.Fatalf("%s %s: %v", o.kind, o.name, err)
		}
		v[o.kind] = m.GetResourceVersion()
		if o.kind == "Deployment" {
			v[o.kind] = fmt.Sprintf("generation %d", m.GetGeneration())
		}
	}
	return v
}

// waitAddons waits until the server has applied CoreDNS, checks the
// objects' fields, then applies the manifest twice more and finds nothing
// changed.
func waitAddons(t *testing.T, s *server) map[string]string {
	c := s.client()
	ctx := context.Background()
	vm.MustPoll(t, "CoreDNS applied by the server", 2*time.Minute, pollInterval, func() (bool, error) {
		_, err := c.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
		return err == nil && strings.Contains(s.stderr.String(), "add-ons applied"), err
	})
	svc, err := c.CoreV1().Services("kube-system").Get(ctx, "kube-dns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var ports []string
	for _, p := range svc.Spec.Ports {
		ports = append(ports, fmt.Sprintf("%s/%d", p.Protocol, p.Port))
	}
	if svc.Spec.ClusterIP != "10.43.0.10" || !slices.Equal(ports, []string{"UDP/53", "TCP/53", "TCP/9153"}) || svc.Spec.Selector["k8s-app"] != "kube-dns" {
		t.Errorf("kube-dns: clusterIP %s ports %v selector %v", svc.Spec.ClusterIP, ports, svc.Spec.Selector)
	}
	dep, err := c.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod := dep.Spec.Template.Spec
	if *dep.Spec.Replicas != 1 || pod.Containers[0].Image != baked.CoreDNS || pod.Containers[0].ImagePullPolicy != corev1.PullNever ||
		pod.PriorityClassName != "system-cluster-critical" || pod.ServiceAccountName != "coredns" {
		t.Errorf("coredns deployment: replicas %d image %s pull %s priority %s sa %s", *dep.Spec.Replicas,
			pod.Containers[0].Image, pod.Containers[0].ImagePullPolicy, pod.PriorityClassName, pod.ServiceAccountName)
	}
	var managers []string
	for _, f := range dep.ManagedFields {
		managers = append(managers, fmt.Sprintf("%s/%s", f.Manager, f.Operation))
	}
	if !slices.Contains(managers, "outpost/Apply") {
		t.Errorf("deployment not server-side applied by outpost: %v", managers)
	}

	before := addonVersions(t, c)
	objs, err := addons.Render(addons.CoreDNS, addons.Values{ClusterDNS: "10.43.0.10", ClusterDomain: "cluster.local"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := addons.NewApplier(s.restConfig())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := a.Apply(ctx, objs); err != nil {
			t.Fatalf("apply %d: %v", i+1, err)
		}
	}
	after := addonVersions(t, c)
	if !maps.Equal(before, after) {
		t.Errorf("applying the same manifest again changed objects: %v -> %v", before, after)
	}
	return after
}

// checkAddonsDisabled checks that a server started with --disable coredns
// applied only the agents' role and created none of the CoreDNS objects.
func checkAddonsDisabled(t *testing.T, s *server) {
	vm.MustPoll(t, "add-ons applied message", time.Minute, pollInterval, func() (bool, error) {
		for _, l := range strings.Split(s.stderr.String(), "\n") {
			if strings.Contains(l, `msg="add-ons applied"`) && strings.Contains(l, " add-ons=[rbac] ") {
				return true, nil
			}
		}
		return false, nil
	})
	if _, err := s.client().RbacV1().ClusterRoleBindings().Get(context.Background(), "outpost-controller", metav1.GetOptions{}); err != nil {
		t.Errorf("the agents' role binding is missing with --disable coredns: %v", err)
	}
	_, err := s.client().AppsV1().Deployments("kube-system").Get(context.Background(), "coredns", metav1.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Errorf("coredns deployment with --disable coredns: %v", err)
	}
}
