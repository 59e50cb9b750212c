package cluster_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/tests/vm"
)

// proc is one line of the debug console's ps.
type proc struct {
	pid, ppid int
	name      string
}

func (n *node) ps(t *testing.T) []proc {
	t.Helper()
	var out []proc
	for _, line := range n.VM.MustRun("ps", vm.CmdTimeout) {
		var p proc
		var state string
		if _, err := fmt.Sscanf(line, "%d %d %s %s", &p.pid, &p.ppid, &state, &p.name); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// findProc waits until a process named name whose parent matches parent
// (0: any) runs, other than not, and returns it.
func (n *node) findProc(t *testing.T, name string, parent func(proc) bool, not int, timeout time.Duration) proc {
	t.Helper()
	var found proc
	err := vm.Poll(timeout, 2*time.Second, func() (bool, error) {
		for _, p := range n.ps(t) {
			if p.name == name && p.pid != not && parent(p) {
				found = p
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no process %s (other than %d): %v", name, not, err)
	}
	return found
}

func anyParent(proc) bool     { return true }
func childOfPID1(p proc) bool { return p.ppid == 1 }

// checkPodsKept checks the same pods still run and answer exec.
func (n *node) checkPodsKept(t *testing.T, app string, pods []string) {
	t.Helper()
	now := n.RunningPods(t, app, len(pods))
	if strings.Join(now, " ") != strings.Join(pods, " ") {
		t.Errorf("pods changed: %v, before %v", now, pods)
	}
	n.WaitFor(t, "exec in "+pods[0], vm.PodTimeout, func(out string) bool { return strings.TrimSpace(out) == pods[0] },
		"exec", pods[0], "--", "hostname")
}

// testContainerdRestarts kills containerd; the agent's supervisor starts it
// again, and the pods (their shims outlive containerd) keep running.
func testContainerdRestarts(t *testing.T, n *node, app string, pods []string) {
	old := n.findProc(t, "containerd", anyParent, 0, vm.CmdTimeout)
	n.VM.MustRun(fmt.Sprintf("kill %d KILL", old.pid), vm.CmdTimeout)
	fresh := n.findProc(t, "containerd", anyParent, old.pid, 2*time.Minute)
	t.Logf("containerd %d killed, %d started", old.pid, fresh.pid)
	n.checkPodsKept(t, app, pods)
}

// testRoleRestarts kills the role process; PID 1 starts it again (saying
// so on the console) and the node comes back with its pods.
func testRoleRestarts(t *testing.T, n *node, app string, pods []string) {
	old := n.findProc(t, "outpost", childOfPID1, 0, vm.CmdTimeout)
	n.VM.MustRun(fmt.Sprintf("kill %d KILL", old.pid), vm.CmdTimeout)
	n.VM.Expect(`outpost: (service )?server.*(exit|restart)`, 2*time.Minute)
	n.findProc(t, "outpost", childOfPID1, old.pid, 2*time.Minute)
	n.WaitReadyStatus(t, n.Name)
	n.checkPodsKept(t, app, pods)
}

// testWrongCAHash boots an agent whose token pins another CA: it reaches
// the server's join API (through the host's forward), says on its console
// why it cannot join, keeps retrying, and registers no node.
func testWrongCAHash(t *testing.T, server *node, secret string) {
	wrong := "K10" + strings.Repeat("ab", 32) + "::node:" + secret
	cfg := fmt.Sprintf(`#cloud-config
hostname: bad-agent
outpost:
  role: agent
  server: https://10.0.2.100:9345
  token: %s
`, wrong) + vm.NetworkConfig("")
	bad := bootNodeWith(t, "bad-agent", cfg, guestJoin(server.Join))
	re := regexp.MustCompile(`outpost: agent: cannot join the cluster yet; retrying .*does not match the token's CA hash`)
	for i := 0; i < 2; i++ {
		bad.VM.Expect(re.String(), 3*time.Minute)
	}
	if strings.Contains(bad.VM.Output(), secret) {
		t.Error("the token's secret reached the agent's console")
	}
	if out, err := server.Kubectl("get", "node", "bad-agent"); err == nil || !strings.Contains(out, "NotFound") {
		t.Errorf("a node registered with a wrong CA hash: %v %s", err, out)
	}
}
