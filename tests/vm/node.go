package vm

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/image/qemu"
)

// Deadlines of a node under software emulation on 2 shared cores.
const (
	BootTimeout  = 5 * time.Minute
	ReadyTimeout = 10 * time.Minute
	PodTimeout   = 8 * time.Minute
	CmdTimeout   = 2 * time.Minute
)

// Node is a VM booted as a Kubernetes node: its configuration handed over
// through fw_cfg (so a token is in no command line), its apiserver and
// join API forwarded to free ports on 127.0.0.1, and, once fetched, an
// admin kubeconfig for the host's kubectl.
type Node struct {
	VM         *VM
	Name       string
	API, Join  int // host ports forwarded to 6443 and 9345
	Kubeconfig string
	// Started is when QEMU was started.
	Started time.Time
	bin     string
	// fwcfg hands the configuration over, at every boot.
	fwcfg []string
}

// BootNode boots o as node name with config (a config.yaml or
// #cloud-config) and waits for the debug console (o's command line must
// turn it on, or the disk's loader entries).
func BootNode(t testing.TB, o qemu.Options, name, config string) *Node {
	t.Helper()
	bin, err := HostBinary()
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{Name: name, API: MustFreePort(t), Join: MustFreePort(t), bin: bin, fwcfg: FwCfgConfig(t, config)}
	n.boot(t, o)
	return n
}

func (n *Node) boot(t testing.TB, o qemu.Options) {
	t.Helper()
	if o.MemoryMB == 0 {
		o.MemoryMB, o.CPUs = 3072, 2
	}
	o.Forwards = append(o.Forwards, qemu.Forward{Host: n.API, Guest: 6443}, qemu.Forward{Host: n.Join, Guest: 9345})
	o.Extra = append(o.Extra, n.fwcfg...)
	n.Started = time.Now()
	n.VM = Boot(t, o)
	n.VM.Expect(`outpost: console ready`, BootTimeout)
}

// BootAgain boots the node again with o (after a power cut or a power
// off), with the same configuration and forwards.
func (n *Node) BootAgain(t testing.TB, o qemu.Options) {
	t.Helper()
	n.boot(t, o)
}

// FetchKubeconfig runs `outpost kubeconfig` on the host against the
// forwarded join API with the server token, until the server answers.
func (n *Node) FetchKubeconfig(t testing.TB, secret string) {
	t.Helper()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	WriteFile(t, tokenFile, secret+"\n")
	n.Kubeconfig = filepath.Join(dir, "kubeconfig")
	var out string
	err := Poll(ReadyTimeout, 3*time.Second, func() (bool, error) {
		var err error
		out, err = Run(CmdTimeout, n.bin, KubeconfigArgs(LocalURL(n.Join), tokenFile, LocalURL(n.API), n.Kubeconfig)...)
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("no kubeconfig from the join API: %v\n%s\nconsole:\n%s", err, out, n.VM.Output())
	}
}

// Kubectl runs the host's kubectl against the node's forwarded apiserver.
func (n *Node) Kubectl(args ...string) (string, error) {
	return Kubectl(CmdTimeout, n.bin, n.Kubeconfig, args...)
}

// MustKubectl is Kubectl that fails the test.
func (n *Node) MustKubectl(t testing.TB, args ...string) string {
	t.Helper()
	out, err := n.Kubectl(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// WaitFor retries kubectl until check accepts its output or timeout ends.
func (n *Node) WaitFor(t testing.TB, what string, timeout time.Duration, check func(string) bool, args ...string) string {
	t.Helper()
	var out string
	err := Poll(timeout, 3*time.Second, func() (bool, error) {
		var err error
		out, err = n.Kubectl(args...)
		return err == nil && check(out), err
	})
	if err != nil {
		t.Fatalf("%s: %v; last kubectl %s:\n%s\nconsole tail:\n%s\nrole log tail:\n%s",
			what, err, strings.Join(args, " "), out, Tail(n.VM.Output(), 40), n.RoleLog())
	}
	return out
}

// WaitReadyStatus waits for node name's Ready condition to be True,
// however old its heartbeat (WaitReady wants one from this boot).
func (n *Node) WaitReadyStatus(t testing.TB, name string) {
	t.Helper()
	n.WaitFor(t, "node "+name+" Ready", ReadyTimeout, func(out string) bool { return out == "True" },
		"get", "node", name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
}

// WaitReady waits for node name to be Ready, as the API sees it, with a
// heartbeat from after this VM started (a Ready condition left from
// before a reboot or a power cut does not count).
func (n *Node) WaitReady(t testing.TB, name string) {
	t.Helper()
	n.WaitReadySince(t, name, n.Started)
}

// WaitReadySince waits for node name to be Ready with a heartbeat from
// since on (the host's and the guests' clocks agree: QEMU sets the
// guest's from the host's).
func (n *Node) WaitReadySince(t testing.TB, name string, since time.Time) {
	t.Helper()
	n.WaitFor(t, "node "+name+" Ready", ReadyTimeout, func(out string) bool {
		status, beat, _ := strings.Cut(out, " ")
		at, err := time.Parse(time.RFC3339, beat)
		return status == "True" && err == nil && !at.Before(since.Truncate(time.Second))
	}, "get", "node", name, "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}`)
}

// RoleLog returns the end of the role process's log in the VM (its
// errors), for a failure message.
func (n *Node) RoleLog() string {
	var keep []string
	for _, role := range []string{"server", "agent"} {
		for _, level := range []string{"level=ERROR", "level=WARN", "err="} {
			lines, _ := n.VM.Run("grep "+level+" /var/log/outpost/"+role+".log", CmdTimeout)
			keep = append(keep, lines...)
		}
	}
	return Tail(strings.Join(keep, "\n"), 60)
}

// Apply pipes a manifest into kubectl apply.
func (n *Node) Apply(t testing.TB, manifest string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "manifest.yaml")
	WriteFile(t, f, manifest)
	n.MustKubectl(t, "apply", "-f", f)
}

// RunningPods waits for count pods of app to run and returns their names.
func (n *Node) RunningPods(t testing.TB, app string, count int) []string {
	t.Helper()
	out := n.WaitFor(t, fmt.Sprintf("%d running pods of %s", count, app), PodTimeout, func(out string) bool {
		return len(strings.Fields(out)) == count
	}, "get", "pods", "-l", "app="+app, "--field-selector=status.phase=Running", "-o", "jsonpath={.items[*].metadata.name}")
	return strings.Fields(out)
}

// CheckNoRestarts fails the test when the role process or containerd
// restarted on its own, showing why.
func (n *Node) CheckNoRestarts(t testing.TB) {
	t.Helper()
	for _, l := range strings.Split(n.VM.Output(), "\n") {
		if strings.HasPrefix(l, "outpost: ") && strings.Contains(l, "service ") && (strings.Contains(l, " exited: ") || strings.Contains(l, " said last: ")) {
			t.Errorf("%s: unexpected restart: %s", n.Name, l)
		}
	}
}
