package cluster_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
)

// The VMs' socket network.
const (
	serverIP = "192.168.76.1"
	agentIP  = "192.168.76.2"
)

// pinnedAgentToken builds the K10 agent token from the server's CA,
// fetched once through the forwarded join API.
func pinnedAgentToken(t *testing.T, n *node, secret string) string {
	t.Helper()
	bare, err := token.Parse(secret)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	ca, err := joinapi.FetchCA(ctx, fmt.Sprintf("https://127.0.0.1:%d", n.join), bare)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := token.New(token.UserNode, secret, ca)
	if err != nil {
		t.Fatal(err)
	}
	return tok.Encode()
}

func agentConfig(tok string) string {
	return fmt.Sprintf(`#cloud-config
hostname: agent-1
outpost:
  role: agent
  server: https://%s:9345
  token: %s
  node_labels:
    node-role.kubernetes.io/worker: "true"
    topology.kubernetes.io/zone: shop-12
`, serverIP, tok) + networkConfig(agentIP)
}

// podIP returns a running pod's IP.
func (n *node) podIP(t *testing.T, pod string) string {
	t.Helper()
	return strings.TrimSpace(n.mustKubectl(t, "get", "pod", pod, "-o", "jsonpath={.status.podIP}"))
}

func TestAgentJoins(t *testing.T) {
	secret, agentSecret := newSecret(t), newSecret(t)
	link := socketNet{port: freePort(t), listen: true, mac: "52:54:00:76:00:01"}
	server := bootNode(t, "server-1", serverConfig(secret, serverIP)+"  agent_token: "+agentSecret+"\n", link.args()...)
	server.fetchKubeconfig(t, secret)
	tok := pinnedAgentToken(t, server, agentSecret)

	link.listen, link.mac = false, "52:54:00:76:00:02"
	agent := bootNode(t, "agent-1", agentConfig(tok), link.args()...)
	agent.v.Expect(`outpost: agent: joined the cluster`, readyTimeout)
	for _, name := range []string{"server-1", "agent-1"} {
		server.waitFor(t, "node "+name+" Ready", readyTimeout, func(out string) bool { return out == "True" },
			"get", "node", name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
	}
	if strings.Contains(agent.v.Output(), agentSecret) {
		t.Error("the agent token reached the agent's console")
	}
	// Labels the kubelet registers with, and those it may not set, which
	// the agent sets through the API (the server's control-plane label
	// among them).
	for _, l := range []struct{ node, path, want string }{
		{"agent-1", `{.metadata.labels.topology\.kubernetes\.io/zone}`, "shop-12"},
		{"agent-1", `{.metadata.labels.node-role\.kubernetes\.io/worker}`, "true"},
		{"server-1", `{.metadata.labels.node-role\.kubernetes\.io/control-plane}`, "true"},
	} {
		server.waitFor(t, "label "+l.path+" on "+l.node, time.Minute, func(out string) bool { return out == l.want },
			"get", "node", l.node, "-o", "jsonpath="+l.path)
	}

	// One pod on each node.
	server.apply(t, workload("core", 1, "server-1"))
	server.apply(t, workload("edge", 1, "agent-1"))
	core := server.runningPods(t, "core", 1)[0]
	edge := server.runningPods(t, "edge", 1)[0]
	if got := server.mustKubectl(t, "get", "pod", edge, "-o", "jsonpath={.spec.nodeName}"); got != "agent-1" {
		t.Fatalf("edge pod on %q", got)
	}

	// Pod to pod across the nodes, both ways, over flannel's vxlan.
	for _, c := range []struct{ from, to string }{{core, edge}, {edge, core}} {
		url := "http://" + server.podIP(t, c.to) + ":8080/"
		out := server.waitFor(t, c.from+" reaches "+c.to, podTimeout, func(out string) bool {
			return strings.Contains(out, "hello from the outpost workload: "+c.to)
		}, "exec", c.from, "--", "/workload", "-get", url)
		t.Logf("%s -> %s: %s", c.from, c.to, strings.TrimSpace(out))
	}
	// kubectl logs and exec reach the agent's kubelet.
	if out := server.mustKubectl(t, "logs", edge); !strings.Contains(out, "workload: serving on :8080") {
		t.Errorf("kubectl logs %s: %q", edge, out)
	}
	if out := server.mustKubectl(t, "exec", edge, "--", "hostname"); strings.TrimSpace(out) != edge {
		t.Errorf("kubectl exec on the agent: %q", out)
	}
	// They went through the agent's tunnel, not a direct dial.
	// (The log may have rotated; a missing server.log.1 is fine.)
	egress, _ := server.v.Run("grep msg=egress /var/log/outpost/server.log.1 /var/log/outpost/server.log", cmdTimeout)
	if !strings.Contains(strings.Join(egress, "\n"), "addr="+agentIP+":10250 via=tunnel") {
		t.Errorf("kube-apiserver did not reach the agent's kubelet through the tunnel; egress log:\n%s", tail(strings.Join(egress, "\n"), 20))
	}
	server.checkNoRestarts(t)
	agent.checkNoRestarts(t)
}
