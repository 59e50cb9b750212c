package cluster_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
	"github.com/outpost-os/outpost/tests/vm"
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
	ctx, cancel := context.WithTimeout(context.Background(), vm.CmdTimeout)
	defer cancel()
	ca, err := joinapi.FetchCA(ctx, vm.LocalURL(n.Join), bare)
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
`, serverIP, tok) + vm.NetworkConfig(agentIP)
}

// podIP returns a running pod's IP.
func (n *node) podIP(t *testing.T, pod string) string {
	t.Helper()
	return strings.TrimSpace(n.MustKubectl(t, "get", "pod", pod, "-o", "jsonpath={.status.podIP}"))
}

func TestAgentJoins(t *testing.T) {
	secret, agentSecret := vm.NewSecret(t), vm.NewSecret(t)
	link := socketNet{port: vm.MustFreePort(t), listen: true, mac: "52:54:00:76:00:01"}
	server := bootNode(t, "server-1", vm.ServerConfig("server-1", secret, serverIP)+"  agent_token: "+agentSecret+"\n", link.args()...)
	server.FetchKubeconfig(t, secret)
	tok := pinnedAgentToken(t, server, agentSecret)

	link.listen, link.mac = false, "52:54:00:76:00:02"
	agent := bootNode(t, "agent-1", agentConfig(tok), link.args()...)
	agent.VM.Expect(`outpost: agent: joined the cluster`, vm.ReadyTimeout)
	for _, name := range []string{"server-1", "agent-1"} {
		server.WaitReadyStatus(t, name)
	}
	if strings.Contains(agent.VM.Output(), agentSecret) {
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
		server.WaitFor(t, "label "+l.path+" on "+l.node, time.Minute, func(out string) bool { return out == l.want },
			"get", "node", l.node, "-o", "jsonpath="+l.path)
	}

	// One pod on each node.
	server.Apply(t, vm.Workload("core", 1, "server-1"))
	server.Apply(t, vm.Workload("edge", 1, "agent-1"))
	core := server.RunningPods(t, "core", 1)[0]
	edge := server.RunningPods(t, "edge", 1)[0]
	if got := server.MustKubectl(t, "get", "pod", edge, "-o", "jsonpath={.spec.nodeName}"); got != "agent-1" {
		t.Fatalf("edge pod on %q", got)
	}

	// Pod to pod across the nodes, both ways, over flannel's vxlan.
	for _, c := range []struct{ from, to string }{{core, edge}, {edge, core}} {
		url := "http://" + server.podIP(t, c.to) + ":8080/"
		out := server.WaitFor(t, c.from+" reaches "+c.to, vm.PodTimeout, func(out string) bool {
			return strings.Contains(out, "hello from the outpost workload: "+c.to)
		}, "exec", c.from, "--", "/workload", "-get", url)
		t.Logf("%s -> %s: %s", c.from, c.to, strings.TrimSpace(out))
	}
	// kubectl logs and exec reach the agent's kubelet.
	if out := server.MustKubectl(t, "logs", edge); !strings.Contains(out, "workload: serving on :8080") {
		t.Errorf("kubectl logs %s: %q", edge, out)
	}
	if out := server.MustKubectl(t, "exec", edge, "--", "hostname"); strings.TrimSpace(out) != edge {
		t.Errorf("kubectl exec on the agent: %q", out)
	}
	// They went through the agent's tunnel, not a direct dial.
	// (The log may have rotated; a missing server.log.1 is fine.)
	egress, _ := server.VM.Run("grep msg=egress /var/log/outpost/server.log.1 /var/log/outpost/server.log", vm.CmdTimeout)
	if !strings.Contains(strings.Join(egress, "\n"), "addr="+agentIP+":10250 via=tunnel") {
		t.Errorf("kube-apiserver did not reach the agent's kubelet through the tunnel; egress log:\n%s", vm.Tail(strings.Join(egress, "\n"), 20))
	}
	server.CheckNoRestarts(t)
	agent.CheckNoRestarts(t)
	t.Run("AgentReboots", func(t *testing.T) { testAgentReboots(t, server, agent, edge, `outpost: agent: joined the cluster`) })
	t.Run("LogsThroughTheCluster", func(t *testing.T) { testNodeLogs(t, server, agent) })
	// The agent keeps the token it was given; after a rotation it is
	// refused, and the node goes on with its node password: through a
	// reboot of its own, and (its tunnel) through the server's.
	t.Run("AgentRebootsAfterTokenRotation", func(t *testing.T) {
		rotateAgentToken(t, server, secret)
		testAgentReboots(t, server, agent, edge, `renewed this node's certificates with its node password`)
	})
	t.Run("ServerReboots", func(t *testing.T) { testServerReboots(t, server, agent, edge) })
}

// identity is what a node must keep across a reboot: its Node object and
// its node password (compared by hash, never shown).
type identity struct{ uid, password string }

func (n *node) identity(t *testing.T, api *node) identity {
	t.Helper()
	sum := n.VM.MustRun("sha256 /etc/outpost/node/password", vm.CmdTimeout)
	return identity{uid: api.MustKubectl(t, "get", "node", n.Name, "-o", "jsonpath={.metadata.uid}"), password: strings.Join(sum, "")}
}

// reboot reboots the node as ctrl-alt-del does (SIGINT to PID 1) and
// waits for the new boot's state partition and debug console.
func (n *node) reboot(t *testing.T) (since int, at time.Time) {
	t.Helper()
	since, at = len(n.VM.Output()), time.Now()
	n.VM.Send("kill 1 INT")
	n.VM.Expect(`outpost: state: .* mounted on /var`, vm.BootTimeout)
	n.VM.Expect(`outpost: console ready`, vm.BootTimeout)
	return since, at
}

// rotateAgentToken runs outpost token rotate on the host against the
// server's forwarded join API, with the server token.
func rotateAgentToken(t *testing.T, server *node, secret string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "token")
	vm.WriteFile(t, file, secret+"\n")
	out, err := vm.Run(vm.CmdTimeout, binary, "token", "rotate", "--server", vm.LocalURL(server.Join), "--token-file", file)
	if err != nil || !strings.Contains(out, "::node:") {
		t.Fatalf("outpost token rotate: %v\n%s", err, out)
	}
}

// testAgentReboots reboots the agent: it comes back with its state (node
// password, certificates), joins again (the console says joined) without
// a 403 and as the same Node, and its pod runs again.
func testAgentReboots(t *testing.T, server, agent *node, pod, joined string) {
	before := agent.identity(t, server)
	since, at := agent.reboot(t)
	agent.VM.Expect(joined, vm.ReadyTimeout)
	server.WaitReadySince(t, agent.Name, at)
	if after := agent.identity(t, server); after != before {
		t.Errorf("the agent's identity changed across a reboot: %+v, before %+v", after, before)
	}
	if out := agent.VM.Output()[since:]; strings.Contains(out, "cannot join") || strings.Contains(out, "another node password") {
		t.Errorf("the rebooted agent was refused:\n%s", vm.Tail(out, 30))
	}
	server.WaitFor(t, pod+" answers exec again", vm.PodTimeout, func(out string) bool { return strings.TrimSpace(out) == pod },
		"exec", pod, "--", "hostname")
	if out, _ := server.Kubectl("get", "nodes", "-o", "name"); len(strings.Fields(out)) != 2 {
		t.Errorf("nodes after the agent's reboot: %s", out)
	}
}

// testServerReboots reboots the server: the cluster comes back from its
// state partition (the same CA, so the kubeconfig fetched before still
// works), and the agent stays joined: it reconnects by itself.
func testServerReboots(t *testing.T, server, agent *node, pod string) {
	before := agent.identity(t, server)
	_, at := server.reboot(t)
	server.WaitReadySince(t, server.Name, at)
	server.WaitReadySince(t, agent.Name, at)
	if after := agent.identity(t, server); after.uid != before.uid {
		t.Errorf("the agent's Node changed across the server's reboot: %s, before %s", after.uid, before.uid)
	}
	// kubectl exec reaches the agent's kubelet through its tunnel, which
	// the agent opened again.
	server.WaitFor(t, pod+" answers exec after the server's reboot", vm.PodTimeout, func(out string) bool { return strings.TrimSpace(out) == pod },
		"exec", pod, "--", "hostname")
}

// testNodeLogs reads the agent's logs as a person without a keyboard
// would: through the kubelet's node log endpoint, across the agent's
// tunnel. This boot's and the boot before's kernel and role logs are
// there.
func testNodeLogs(t *testing.T, server, agent *node) {
	base := "/api/v1/nodes/" + agent.Name + "/proxy/logs/outpost/"
	for file, want := range map[string]string{
		"":                    "kernel.log",
		"kernel.log":          "Linux version",
		"previous/kernel.log": "Linux version",
		"agent.log":           "joined the cluster",
		"previous/agent.log":  "joined the cluster",
	} {
		server.WaitFor(t, "the agent's "+file+" through the cluster", vm.CmdTimeout, func(out string) bool {
			return strings.Contains(out, want)
		}, "get", "--raw", base+file)
	}
}
