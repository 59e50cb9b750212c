package cluster_test

import (
	"strings"
	"testing"

	"github.com/outpost-os/outpost/tests/vm"
)

func TestSingleNode(t *testing.T) {
	secret := vm.NewSecret(t)
	n := bootNode(t, "server-1", vm.ServerConfig("server-1", secret, ""))
	n.FetchKubeconfig(t, secret)
	n.WaitReadyStatus(t, "server-1")
	if strings.Contains(n.VM.Output(), secret) {
		t.Error("the token reached the console")
	}
	// The embedded agent opens no tunnel (it would connect right after
	// joining, long before Ready); logs and exec below still work.
	if strings.Contains(n.VM.Output(), "agent tunnel") {
		t.Error("the server's embedded agent opened a tunnel to its own server")
	}

	n.Apply(t, vm.Workload("web", 2, ""))
	pods := n.RunningPods(t, "web", 2)

	// kubectl logs and exec reach the kubelet through the apiserver.
	if out := n.MustKubectl(t, "logs", pods[0]); !strings.Contains(out, "workload: serving on :8080") {
		t.Errorf("kubectl logs %s: %q", pods[0], out)
	}
	if out := n.MustKubectl(t, "exec", pods[0], "--", "hostname"); strings.TrimSpace(out) != pods[0] {
		t.Errorf("kubectl exec hostname: %q, want %q", out, pods[0])
	}
	// The Service's ClusterIP answers from the other pod (kube-proxy's
	// iptables rules, the bridge, the pod network).
	// By name: Go's resolver in the workload asks CoreDNS.
	out := n.WaitFor(t, "the Service answers "+pods[1], vm.PodTimeout, func(out string) bool {
		return strings.Contains(out, "hello from the outpost workload: web-")
	}, "exec", pods[1], "--", "/workload", "-get", "http://web.default.svc.cluster.local/")
	if !strings.Contains(out, "hello from the outpost workload: web-") {
		t.Errorf("the Service did not answer from another pod: %q", out)
	}
	// Pod DNS: CoreDNS, deployed by the server, resolves the API's name to
	// the first service IP.
	out = n.WaitFor(t, "CoreDNS answers", vm.PodTimeout, func(out string) bool { return strings.Contains(out, "10.43.0.1") },
		"exec", pods[1], "--", "nslookup", "kubernetes.default.svc.cluster.local")
	if !strings.Contains(out, "10.43.0.1") {
		t.Errorf("nslookup kubernetes.default: %q", out)
	}
	n.CheckNoRestarts(t)
	t.Run("WrongCAHash", func(t *testing.T) { testWrongCAHash(t, n, secret) })
	t.Run("ContainerdRestarts", func(t *testing.T) { testContainerdRestarts(t, n, "web", pods) })
	t.Run("RoleRestarts", func(t *testing.T) { testRoleRestarts(t, n, "web", pods) })
}
