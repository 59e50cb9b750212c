package cluster_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/images"
)

// serverConfig makes a server node with a static address on QEMU's user
// network (its DHCP gives no router under restrict=on, and the node wants
// a default route) and, when clusterIP is set, a second interface on the
// VMs' socket network that the cluster runs over.
func serverConfig(secret, clusterIP string) string {
	c := fmt.Sprintf(`#cloud-config
hostname: server-1
outpost:
  role: server
  token: %s
`, secret)
	return c + networkConfig(clusterIP)
}

func networkConfig(clusterIP string) string {
	c := `  network:
    interfaces:
      - name: eth0
        addresses: [10.0.2.15/24]
        gateway: 10.0.2.2
`
	if clusterIP == "" {
		return c
	}
	return c + fmt.Sprintf(`      - name: eth1
        addresses: [%s/24]
  node_ip: %s
`, clusterIP, clusterIP)
}

// workload is a Deployment of the baked test image (two replicas, spread
// by the scheduler as it likes) and its ClusterIP Service.
func workload(name string, replicas int, nodeSelector string) string {
	sel := ""
	if nodeSelector != "" {
		sel = "      nodeSelector:\n        kubernetes.io/hostname: " + nodeSelector + "\n"
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
%[4]s      containers:
      - name: web
        image: %[3]s
        imagePullPolicy: Never
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports: [{port: 80, targetPort: 8080}]
`, name, replicas, images.Workload, sel)
}

// apply pipes a manifest into kubectl apply.
func (n *node) apply(t *testing.T, manifest string) {
	t.Helper()
	f := t.TempDir() + "/manifest.yaml"
	writeFile(t, f, manifest)
	n.mustKubectl(t, "apply", "-f", f)
}

// runningPods waits for n pods of app to run and returns their names.
func (n *node) runningPods(t *testing.T, app string, count int) []string {
	t.Helper()
	out := n.waitFor(t, fmt.Sprintf("%d running pods of %s", count, app), podTimeout, func(out string) bool {
		return len(strings.Fields(out)) == count
	}, "get", "pods", "-l", "app="+app, "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}")
	return strings.Fields(out)
}

func TestSingleNode(t *testing.T) {
	secret := newSecret(t)
	n := bootNode(t, "server-1", serverConfig(secret, ""))
	n.fetchKubeconfig(t, secret)
	n.waitFor(t, "node server-1 Ready", readyTimeout, func(out string) bool { return out == "True" },
		"get", "node", "server-1", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
	if strings.Contains(n.v.Output(), secret) {
		t.Error("the token reached the console")
	}
	// The embedded agent opens no tunnel (it would connect right after
	// joining, long before Ready); logs and exec below still work.
	if strings.Contains(n.v.Output(), "agent tunnel") {
		t.Error("the server's embedded agent opened a tunnel to its own server")
	}

	n.apply(t, workload("web", 2, ""))
	pods := n.runningPods(t, "web", 2)

	// kubectl logs and exec reach the kubelet through the apiserver.
	if out := n.mustKubectl(t, "logs", pods[0]); !strings.Contains(out, "workload: serving on :8080") {
		t.Errorf("kubectl logs %s: %q", pods[0], out)
	}
	if out := n.mustKubectl(t, "exec", pods[0], "--", "hostname"); strings.TrimSpace(out) != pods[0] {
		t.Errorf("kubectl exec hostname: %q, want %q", out, pods[0])
	}
	// The Service's ClusterIP answers from the other pod (kube-proxy's
	// iptables rules, the bridge, the pod network).
	// By name: Go's resolver in the workload asks CoreDNS.
	out := n.waitFor(t, "the Service answers "+pods[1], podTimeout, func(out string) bool {
		return strings.Contains(out, "hello from the outpost workload: web-")
	}, "exec", pods[1], "--", "/workload", "-get", "http://web.default.svc.cluster.local/")
	if !strings.Contains(out, "hello from the outpost workload: web-") {
		t.Errorf("the Service did not answer from another pod: %q", out)
	}
	// Pod DNS: CoreDNS, deployed by the server, resolves the API's name to
	// the first service IP.
	out = n.waitFor(t, "CoreDNS answers", podTimeout, func(out string) bool { return strings.Contains(out, "10.43.0.1") },
		"exec", pods[1], "--", "nslookup", "kubernetes.default.svc.cluster.local")
	if !strings.Contains(out, "10.43.0.1") {
		t.Errorf("nslookup kubernetes.default: %q", out)
	}
	n.checkNoRestarts(t)
	t.Run("WrongCAHash", func(t *testing.T) { testWrongCAHash(t, n, secret) })
	t.Run("ContainerdRestarts", func(t *testing.T) { testContainerdRestarts(t, n, "web", pods) })
	t.Run("RoleRestarts", func(t *testing.T) { testRoleRestarts(t, n, "web", pods) })
}
