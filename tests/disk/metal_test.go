package disk_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
	"github.com/outpost-os/outpost/tests/vm"
)

const metalNode = "metal-1"

// identity is what a server must keep across reboots and power cuts,
// secrets by their hashes only.
type identity struct {
	caHash, serverToken, agentToken, nodePassword, nodeUID string
}

func (id identity) String() string {
	return fmt.Sprintf("CA %.12s, tokens %.12s/%.12s, node password %.12s, node %s", id.caHash, id.serverToken, id.agentToken, id.nodePassword, id.nodeUID)
}

func readIdentity(t *testing.T, n *vm.Node, secret string) identity {
	t.Helper()
	bare, err := token.Parse(secret)
	if err != nil {
		t.Fatal(err)
	}
	ca := fetchCA(t, n, bare)
	hash := func(path string) string { return strings.Join(n.VM.MustRun("sha256 "+path, vm.CmdTimeout), "") }
	return identity{
		caHash:       fmt.Sprintf("%x", sha256.Sum256(ca)),
		serverToken:  hash("/var/lib/outpost/server/token"),
		agentToken:   hash("/var/lib/outpost/server/agent-token"),
		nodePassword: hash("/etc/outpost/node/password"),
		nodeUID:      n.MustKubectl(t, "get", "node", metalNode, "-o", "jsonpath={.metadata.uid}"),
	}
}

// fetchCA fetches the server's CA from its join API, which may still be
// starting.
func fetchCA(t *testing.T, n *vm.Node, bare token.Token) []byte {
	t.Helper()
	var ca []byte
	err := vm.Poll(vm.ReadyTimeout, 3*time.Second, func() (bool, error) {
		ctx, cancel := context.WithTimeout(context.Background(), vm.CmdTimeout)
		defer cancel()
		var err error
		ca, err = joinapi.FetchCA(ctx, vm.LocalURL(n.Join), bare)
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("the join API did not give its CA: %v", err)
	}
	return ca
}

// TestMetalServerKeepsItsCluster runs a server on the metal-x86_64 board
// (the generic kernel on q35 with an NVMe disk and an e1000e NIC, booted
// from disk.img through OVMF) through three power cuts at different
// moments and a clean reboot. Every boot comes back Ready, with every
// write the API acknowledged, the same CA, tokens, node password and Node.
// Last, its kernel hangs, and the hardware watchdog resets the box.
func TestMetalServerKeepsItsCluster(t *testing.T) {
	b, dir := vm.Board(t, images, "metal-x86_64")
	o := vm.UEFI(t, b, vm.Disk(t, dir, 8<<30, vm.ConsoleOn))
	secret := vm.NewSecret(t)
	n := vm.BootNode(t, o, metalNode, vm.ServerConfig(metalNode, secret, ""))
	checkMetalHardware(t, n)

	// 1. During the first boot, while the server makes its CAs and
	// datastore.
	n.VM.Expect(`outpost: server: starting datastore`, vm.ReadyTimeout)
	n.VM.PowerCut()

	// 2. During the import of the baked images.
	n.BootAgain(t, o)
	n.VM.Expect(`outpost: server: service containerd ready`, vm.ReadyTimeout)
	waitForImport(t, n)
	n.VM.PowerCut()

	// 3. Ready: objects, then a write loop cut right after an
	// acknowledged write.
	n.BootAgain(t, o)
	n.FetchKubeconfig(t, secret)
	n.WaitReady(t, metalNode)
	n.MustKubectl(t, "create", "namespace", "keep")
	n.MustKubectl(t, "create", "configmap", "before", "-n", "keep", "--from-literal=k=v")
	n.Apply(t, vm.Workload("web", 1, ""))
	n.RunningPods(t, "web", 1)
	id := readIdentity(t, n, secret)
	acked := writeThenCut(t, n, 5+rand.IntN(20))

	// 4. Back after the cut: everything acknowledged is there.
	n.BootAgain(t, o)
	checkKept(t, n, secret, id, acked)
	if !strings.Contains(n.VM.Output(), "outpost: state: checked /dev/nvme0n1p4 (outpost-state): ") {
		t.Errorf("the boot after a power cut did not check the state file system:\n%s", vm.Tail(n.VM.Output(), 60))
	}

	// 5. A clean reboot (ctrl-alt-del) in the same VM.
	since := len(n.VM.Output())
	n.VM.Send("kill 1 INT")
	n.VM.Expect(`outpost: shutting down \(reboot\)`, vm.CmdTimeout)
	n.VM.Expect(`outpost: state: checked /dev/nvme0n1p4 \(outpost-state\): clean`, vm.BootTimeout)
	n.VM.Expect(`outpost: console ready`, vm.BootTimeout)
	checkKept(t, n, secret, id, acked)
	if strings.Contains(n.VM.Output()[since:], "grew") {
		t.Error("a reboot grew the state again")
	}

	// 6. The kernel hangs (it panics, told not to reboot on a panic):
	// only the hardware watchdog PID 1 armed brings the box back.
	n.VM.MustRun("write /proc/sys/kernel/panic 0", vm.CmdTimeout)
	n.VM.Send("write /proc/sysrq-trigger c")
	n.VM.Expect(`Kernel panic - not syncing: sysrq triggered crash`, vm.CmdTimeout)
	hung := len(n.VM.Output())
	n.VM.Expect(`outpost: root: slot a, `, vm.BootTimeout)
	n.VM.Expect(`outpost: console ready`, vm.BootTimeout)
	if strings.Contains(n.VM.Output()[hung:], "Rebooting in") {
		t.Error("the kernel rebooted itself: the watchdog was not what reset the box")
	}
}

// checkMetalHardware checks that the real-hardware drivers run: the root
// and the state on NVMe, the network on e1000e.
func checkMetalHardware(t *testing.T, n *vm.Node) {
	t.Helper()
	out := n.VM.Output()
	for _, want := range []string{
		"outpost: root: slot a, /dev/nvme0n1p2 (outpost-root-a)",
		"outpost: state: grew partition /dev/nvme0n1p4 (outpost-state) from 256 MiB to 5.5 GiB (the disk is 8.0 GiB)",
		"outpost: state: /dev/nvme0n1p4 (outpost-state) (ext4, 5.5 GiB) mounted on /var",
		"outpost: network eth0 10.0.2.15/24 (static)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q", want)
		}
	}
	if lines := n.VM.MustRun("ls /sys/bus/pci/drivers/e1000e", vm.CmdTimeout); !strings.Contains(strings.Join(lines, " "), "0000:") {
		t.Errorf("no device bound to e1000e: %q", lines)
	}
	// The generic kernel drives a hardware watchdog (q35's TCO timer or
	// the i6300esb image run attaches), and PID 1 arms it.
	if m := regexp.MustCompile(`outpost: watchdog: /dev/watchdog\d \(([^)]*)\) armed`).FindStringSubmatch(out); m == nil || m[1] == "Software Watchdog" {
		t.Errorf("no hardware watchdog armed:\n%s", vm.Tail(out, 60))
	}
}

// waitForImport waits until containerd has imported the first baked image
// (of three), so the power cut falls in the middle of the import.
func waitForImport(t *testing.T, n *vm.Node) {
	t.Helper()
	// Again at once: each grep is a round trip to the guest, and the cut
	// must come before the import ends.
	vm.MustPoll(t, "an image imported", vm.ReadyTimeout, 0, func() (bool, error) {
		lines, err := n.VM.Run("grep imported /var/log/outpost/server.log", vm.CmdTimeout)
		return err == nil && len(lines) > 0, err
	})
}

// writeThenCut creates ConfigMaps one at a time and cuts the power right
// after the API acknowledged the count-th; it returns the acknowledged.
func writeThenCut(t *testing.T, n *vm.Node, count int) []string {
	t.Helper()
	var acked []string
	for i := 0; len(acked) < count; i++ {
		name := fmt.Sprintf("acked-%d", i)
		if out, err := n.Kubectl("create", "configmap", name, "-n", "keep", "--from-literal=i="+fmt.Sprint(i)); err != nil {
			t.Fatalf("create %s: %v\n%s", name, err, out)
		}
		acked = append(acked, name)
	}
	n.VM.PowerCut()
	t.Logf("power cut right after the API acknowledged %d ConfigMaps", len(acked))
	return acked
}

// checkKept waits for the node and checks that the cluster is the one it
// was.
func checkKept(t *testing.T, n *vm.Node, secret string, id identity, acked []string) {
	t.Helper()
	n.WaitReady(t, metalNode)
	if now := readIdentity(t, n, secret); now != id {
		t.Errorf("identity changed:\n now    %s\n before %s", now, id)
	}
	names := n.MustKubectl(t, "get", "configmaps", "-n", "keep", "-o", "jsonpath={.items[*].metadata.name}")
	have := map[string]bool{}
	for _, f := range strings.Fields(names) {
		have[f] = true
	}
	for _, want := range append([]string{"before"}, acked...) {
		if !have[want] {
			t.Errorf("ConfigMap %s, acknowledged before the power cut, is gone", want)
		}
	}
	n.RunningPods(t, "web", 1)
	if out := n.MustKubectl(t, "get", "nodes", "-o", "name"); strings.TrimSpace(out) != "node/"+metalNode {
		t.Errorf("nodes: %q", out)
	}
}
