package vm

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
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
	config  string
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
	n := &Node{Name: name, API: MustFreePort(t), Join: MustFreePort(t), bin: bin, config: filepath.Join(t.TempDir(), "config.yaml")}
	WriteFile(t, n.config, config)
	n.boot(t, o)
	return n
}

func (n *Node) boot(t testing.TB, o qemu.Options) {
	t.Helper()
	if o.MemoryMB == 0 {
		o.MemoryMB, o.CPUs = 3072, 2
	}
	o.Forwards = append(o.Forwards, qemu.Forward{Host: n.API, Guest: 6443}, qemu.Forward{Host: n.Join, Guest: 9345})
	o.Extra = append(o.Extra, "-fw_cfg", "name=opt/outpost/config,file="+n.config)
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

// MustFreePort is FreePort that fails the test.
func MustFreePort(t testing.TB) int {
	t.Helper()
	p, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// NewSecret returns a random bare token secret.
func NewSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// WriteFile writes a 0600 file or fails the test.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// FetchKubeconfig runs `outpost kubeconfig` on the host against the
// forwarded join API with the server token, until the server answers.
func (n *Node) FetchKubeconfig(t testing.TB, secret string) {
	t.Helper()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	WriteFile(t, tokenFile, secret+"\n")
	n.Kubeconfig = filepath.Join(dir, "kubeconfig")
	deadline := time.Now().Add(ReadyTimeout)
	for {
		out, err := Run(CmdTimeout, n.bin, "kubeconfig", "--server", fmt.Sprintf("https://127.0.0.1:%d", n.Join),
			"--token-file", tokenFile, "--api-server", fmt.Sprintf("https://127.0.0.1:%d", n.API), "--out", n.Kubeconfig)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kubeconfig from the join API within %s: %v\n%s\nconsole:\n%s", ReadyTimeout, err, out, n.VM.Output())
		}
		time.Sleep(3 * time.Second)
	}
}

// Kubectl runs the host's kubectl against the node's forwarded apiserver.
func (n *Node) Kubectl(args ...string) (string, error) {
	return Run(CmdTimeout, n.bin, append([]string{"kubectl", "--kubeconfig", n.Kubeconfig}, args...)...)
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
	deadline := time.Now().Add(timeout)
	for {
		out, err := n.Kubectl(args...)
		if err == nil && check(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last kubectl %s: %v\n%s\nconsole tail:\n%s\nrole log tail:\n%s",
				what, timeout, strings.Join(args, " "), err, out, Tail(n.VM.Output(), 40), n.RoleLog())
		}
		time.Sleep(3 * time.Second)
	}
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

// Run runs a host command with a deadline and returns its output.
func Run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

// Tail returns the last n lines of s.
func Tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
