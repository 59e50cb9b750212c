package disk_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/tests/vm"
)

const slotsNode = "slots-1"

// TestSlotsRollBackOrStay writes new slots into a server's disk.img (as
// an upgrade would) and boots it through OVMF and systemd-boot's boot
// counting. A slot whose kernel panics (a broken initrd), one whose stage
// 1 fails (a root image that does not mount) and one that is not a
// healthy node within boot_deadline each spend their tries and the box
// comes back to slot A by itself, with the reason on the console;
// a good slot is marked good once the node is Ready, shows on the Node,
// and a reboot stays on it.
func TestSlotsRollBackOrStay(t *testing.T) {
	b, dir := vm.Board(t, images, "qemu-x86_64")
	m, err := image.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	img := vm.Disk(t, dir, diskSize, vm.ConsoleOn)
	o := vm.UEFI(t, b, img)
	secret := vm.NewSecret(t)
	config := vm.ServerConfig(slotsNode, secret, "")

	// 1. A kernel that panics, twice: back on slot A.
	vm.InstallSlot(t, img, dir, vm.Slot{Slot: "b", Version: "v-panics", Gen: 2, Tries: 2, Initrd: vm.Junk(t)})
	n := vm.BootNode(t, o, slotsNode, config)
	out := n.VM.Output()
	if got := strings.Count(out, "Kernel panic - not syncing"); got != 2 {
		t.Errorf("%d kernel panics, want one per try (2):\n%s", got, vm.Tail(out, 80))
	}
	expectLine(t, out, "outpost: boot: ROLLBACK: slot b (v-panics) used its 2 tries without becoming a healthy node (try 1: never reached stage 2")
	expectLine(t, out, "outpost: root: slot a, /dev/vda2 (outpost-root-a)")
	powerOff(t, n)
	checkEntries(t, img, "outpost-1-a.conf", "outpost-2-b+0-2.conf")

	// 2. Stage 1 cannot mount the root: on a trial boot the emergency
	// state reboots after 30 s, not 5 min; one try.
	vm.InstallSlot(t, img, dir, vm.Slot{Slot: "b", Version: "v-noroot", Gen: 3, Tries: 1, Root: vm.Junk(t)})
	n = vm.BootNode(t, o, slotsNode, config)
	out = n.VM.Output()
	expectLine(t, out, "outpost: EMERGENCY: the boot cannot continue: stage 1: ")
	expectLine(t, out, "outpost: rebooting in 30s")
	expectLine(t, out, "outpost: boot: ROLLBACK: slot b (v-noroot) used its one try without becoming a healthy node (try 1: never reached stage 2")
	powerOff(t, n)
	checkEntries(t, img, "outpost-1-a.conf", "outpost-3-b+0-1.conf")

	// 3. A slot that boots but is no healthy node within boot_deadline
	// (a server under emulation needs a minute or more, not 30 s): one
	// try.
	vm.InstallSlot(t, img, dir, vm.Slot{Slot: "b", Version: "v-slow", Gen: 4, Tries: 1})
	n = vm.BootNode(t, o, slotsNode, config+"  boot_deadline: 30s\n")
	expectLine(t, n.VM.Output(), "outpost: boot: booted slot b (v-slow), try 1 of 1")
	expectLine(t, n.VM.Output(), "outpost: boot: waiting up to 30s for the node to be healthy")
	n.VM.Expect(regexp.QuoteMeta("outpost: boot: slot b (v-slow), try 1 of 1: the node was not healthy within 30s (boot_deadline): rebooting; its tries are spent, the box goes back to slot a"), vm.BootTimeout)
	n.VM.Expect(regexp.QuoteMeta("outpost: boot: ROLLBACK: slot b (v-slow) used its one try without becoming a healthy node (try 1: not a healthy node within 30s); back on slot a ("+m.Version+")"), vm.BootTimeout)
	n.VM.Expect(`outpost: console ready`, vm.BootTimeout)
	powerOff(t, n)
	checkEntries(t, img, "outpost-1-a.conf", "outpost-4-b+0-1.conf")

	// 4. A good slot: marked good once Ready, on the Node, kept by a
	// reboot.
	vm.InstallSlot(t, img, dir, vm.Slot{Slot: "b", Version: "v2", Gen: 5, Tries: 3})
	n = vm.BootNode(t, o, slotsNode, config)
	expectLine(t, n.VM.Output(), "outpost: boot: booted slot b (v2), try 1 of 3; the other slot has "+m.Version+", good")
	n.FetchKubeconfig(t, secret)
	n.WaitReady(t, slotsNode)
	n.VM.Expect(regexp.QuoteMeta("outpost: boot: the node is healthy: slot b (v2) marked good"), vm.CmdTimeout)
	n.WaitFor(t, "the slot status on the Node", vm.CmdTimeout, func(out string) bool {
		return out == "b succeeded v2 good|"+m.Version+" good|Outpost "+m.Version
	}, "get", "node", slotsNode, "-o", `jsonpath={.metadata.annotations.outpost\.io/slot} {.metadata.annotations.outpost\.io/upgrade} {.metadata.annotations.outpost\.io/slot-b}|{.metadata.annotations.outpost\.io/slot-a}|{.status.nodeInfo.osImage}`)
	n.VM.Send("kill 1 INT")
	n.VM.Expect(`outpost: shutting down \(reboot\)`, vm.CmdTimeout)
	n.VM.Expect(regexp.QuoteMeta("outpost: boot: booted slot b (v2); the other slot has "+m.Version+", good"), vm.BootTimeout)
	n.VM.Expect(`outpost: console ready`, vm.BootTimeout)
	powerOff(t, n)
	checkEntries(t, img, "outpost-5-b.conf", "outpost-1-a.conf")
}

// expectLine fails unless the console output has line.
func expectLine(t *testing.T, out, line string) {
	t.Helper()
	if !strings.Contains(out, line) {
		t.Errorf("console lacks %q:\n%s", line, vm.Tail(out, 60))
	}
}

// powerOff powers the node off cleanly and waits for QEMU to end.
func powerOff(t *testing.T, n *vm.Node) {
	t.Helper()
	n.VM.Send("kill 1 TERM")
	n.VM.Expect(`reboot: Power down`, vm.CmdTimeout)
	if err := n.VM.WaitExit(vm.CmdTimeout); err != nil {
		t.Fatalf("QEMU after power off: %v", err)
	}
}

// checkEntries compares the disk's boot entries, in boot order.
func checkEntries(t *testing.T, img string, want ...string) {
	t.Helper()
	if got := vm.Entries(t, img); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("boot entries %v, want %v", got, want)
	}
}
