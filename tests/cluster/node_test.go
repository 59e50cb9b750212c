package cluster_test

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

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/tests/vm"
)

// Deadlines under software emulation on 2 shared cores.
const (
	bootTimeout  = 5 * time.Minute
	readyTimeout = 10 * time.Minute
	podTimeout   = 8 * time.Minute
	cmdTimeout   = 2 * time.Minute
)

// socketNet is the second NIC of a VM, on a QEMU socket network between
// VMs on 127.0.0.1 (the server listens, agents connect).
type socketNet struct {
	port   int
	listen bool
	mac    string
}

func (s socketNet) args() []string {
	mode := "connect"
	if s.listen {
		mode = "listen"
	}
	return []string{
		"-netdev", fmt.Sprintf("socket,id=cl0,%s=127.0.0.1:%d", mode, s.port),
		"-device", "virtio-net-pci,netdev=cl0,mac=" + s.mac,
	}
}

// node is one booted VM and its forwards.
type node struct {
	v          *vm.VM
	name       string
	api, join  int // host ports forwarded to 6443 and 9345
	kubeconfig string
}

// bootNode boots the image with config (a config.yaml handed over through
// fw_cfg, so the token is in no command line) and forwards the apiserver
// and join API ports to free ports on 127.0.0.1.
func bootNode(t *testing.T, name, config string, extra ...string) *node {
	t.Helper()
	return bootNodeWith(t, name, config, nil, extra...)
}

// guestJoin lets a guest reach a join API forwarded to the host at
// 10.0.2.100:9345.
func guestJoin(hostPort int) []qemu.GuestForward {
	return []qemu.GuestForward{{Guest: "10.0.2.100:9345", Relay: fmt.Sprintf("%s debug connect 127.0.0.1:%d", binary, hostPort)}}
}

func bootNodeWith(t *testing.T, name, config string, guest []qemu.GuestForward, extra ...string) *node {
	t.Helper()
	b, _ := board.Lookup(boardName)
	n := &node{name: name, api: freePort(t), join: freePort(t)}
	f := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(f, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	o := qemu.FromDir(qemu.Options{
		Board: b, MemoryMB: 3072, CPUs: 2,
		Cmdline:       []string{"outpost.console=on"},
		Forwards:      []qemu.Forward{{Host: n.api, Guest: 6443}, {Host: n.join, Guest: 9345}},
		GuestForwards: guest,
		Extra:         append([]string{"-fw_cfg", "name=opt/outpost/config,file=" + f}, extra...),
	}, filepath.Join(imageDir, boardName))
	n.v = vm.Boot(t, o)
	n.v.Expect(`outpost: console ready`, bootTimeout)
	return n
}

func freePort(t *testing.T) int {
	t.Helper()
	p, err := vm.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// newSecret returns a random bare token secret.
func newSecret(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// fetchKubeconfig runs `outpost kubeconfig` on the host against the
// forwarded join API with the server token, until the server answers.
func (n *node) fetchKubeconfig(t *testing.T, secret string) {
	t.Helper()
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	n.kubeconfig = filepath.Join(dir, "kubeconfig")
	deadline := time.Now().Add(readyTimeout)
	for {
		out, err := run(cmdTimeout, binary, "kubeconfig", "--server", fmt.Sprintf("https://127.0.0.1:%d", n.join),
			"--token-file", tokenFile, "--api-server", fmt.Sprintf("https://127.0.0.1:%d", n.api), "--out", n.kubeconfig)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kubeconfig from the join API within %s: %v\n%s\nconsole:\n%s", readyTimeout, err, out, n.v.Output())
		}
		time.Sleep(3 * time.Second)
	}
}

// kubectl runs the host's kubectl against the node's forwarded apiserver.
func (n *node) kubectl(args ...string) (string, error) {
	return run(cmdTimeout, binary, append([]string{"kubectl", "--kubeconfig", n.kubeconfig}, args...)...)
}

func (n *node) mustKubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := n.kubectl(args...)
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// waitFor retries kubectl until check accepts its output or timeout ends.
func (n *node) waitFor(t *testing.T, what string, timeout time.Duration, check func(string) bool, args ...string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		out, err := n.kubectl(args...)
		if err == nil && check(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last kubectl %s: %v\n%s\nconsole tail:\n%s\nrole log tail:\n%s",
				what, timeout, strings.Join(args, " "), err, out, tail(n.v.Output(), 40), n.roleLog())
		}
		time.Sleep(3 * time.Second)
	}
}

// roleLog returns the end of the role process's log in the VM (its
// errors), for a failure message.
func (n *node) roleLog() string {
	var keep []string
	for _, role := range []string{"server", "agent"} {
		for _, level := range []string{"level=ERROR", "level=WARN", "err="} {
			lines, _ := n.v.Run("grep "+level+" /var/log/outpost/"+role+".log", cmdTimeout)
			keep = append(keep, lines...)
		}
	}
	return tail(strings.Join(keep, "\n"), 60)
}

func run(timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}

func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
