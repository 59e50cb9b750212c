package disk_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/tests/vm"
)

// Boots that cannot go on wait at the emergency state instead of
// rebooting, for the test to read.
var stayInEmergency = []string{vm.ConsoleOn, "outpost.emergency_reboot=0"}

func partition(t *testing.T, img, name string) gpt.Partition {
	t.Helper()
	tab, err := gpt.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tab.Find(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sum is the SHA-256 of n bytes of path from off.
func sum(t *testing.T, path string, off, n int64) [32]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, off, n)); err != nil {
		t.Fatal(err)
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

func noPanic(t *testing.T, v *vm.VM) {
	t.Helper()
	if strings.Contains(v.Output(), "Kernel panic") {
		t.Errorf("the kernel panicked:\n%s", vm.Tail(v.Output(), 30))
	}
}

// TestCorruptStateThenWipe destroys every superblock of the state file
// system: the boot stops with a message that names the device and the
// way out, and erases nothing. outpost.wipe=state then resets it, once:
// the key left on the command line does not erase the node again.
func TestCorruptStateThenWipe(t *testing.T) {
	b, dir := vm.Board(t, images, "qemu-x86_64")
	img := vm.Disk(t, dir, 0, stayInEmergency...)
	st := partition(t, img, board.PartState)
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte("not ext4"), 512)
	for _, off := range []int64{0, 32768 * 4096} { // the superblock and its one backup (group 1)
		if _, err := f.WriteAt(junk, st.Start+off); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	before := sum(t, img, st.Start, st.Size)

	o := vm.UEFI(t, b, img)
	v := vm.Boot(t, o)
	v.Expect(`the state partition /dev/vda4 \(outpost-state\) holds a file system e2fsck cannot repair`, vm.BootTimeout)
	v.Expect(`Nothing was erased.*outpost.wipe=state`, vm.CmdTimeout)
	v.Expect(`outpost: EMERGENCY: the boot cannot continue`, vm.CmdTimeout)
	noPanic(t, v)
	v.PowerCut()
	if sum(t, img, st.Start, st.Size) != before {
		t.Fatal("a state partition that could not be repaired was written to")
	}

	if err := disk.AppendOptions(context.Background(), img, []string{"outpost.wipe=state"}); err != nil {
		t.Fatal(err)
	}
	w := vm.Boot(t, o)
	w.Expect(`outpost: state: outpost.wipe=state: erasing /dev/vda4 \(outpost-state\) \(factory reset\)`, vm.BootTimeout)
	w.Expect(`outpost: state: checked /dev/vda4 \(outpost-state\): clean`, vm.CmdTimeout)
	w.Expect(`outpost: state: /dev/vda4 \(outpost-state\) \(ext4, [0-9.]+ [MG]iB\) mounted on /var`, vm.CmdTimeout)
	w.Expect(`outpost: console ready`, vm.BootTimeout)
	// The same entry, rebooted: the key is still there, the state stays.
	w.Send("kill 1 INT")
	w.Expect(`outpost.wipe=state is still on the kernel command line, but /dev/vda4 \(outpost-state\) was reset by an earlier boot: not erasing it again`, vm.BootTimeout)
	w.Expect(`outpost: state: /dev/vda4 \(outpost-state\) .* mounted on /var`, vm.CmdTimeout)
	w.Expect(`outpost: console ready`, vm.BootTimeout)
	if n := strings.Count(w.Output(), "erasing /dev/vda4"); n != 1 {
		t.Errorf("the state was erased %d times, want once", n)
	}
}

// TestMissingRootSlot boots a disk whose slot A partition is gone (renamed
// in the GPT): stage 1 names the root it waited for and what it found.
func TestMissingRootSlot(t *testing.T) {
	b, dir := vm.Board(t, images, "qemu-x86_64")
	img := vm.Disk(t, dir, 0, append(stayInEmergency, "outpost.rootwait=5")...)
	tab, err := gpt.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	for i := range tab.Partitions {
		if tab.Partitions[i].Name == board.PartRootA {
			tab.Partitions[i].Name = "outpost-root-x"
		}
	}
	f, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	err = gpt.Write(f, tab)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	v := vm.Boot(t, vm.UEFI(t, b, img))
	v.Expect(`root PARTLABEL=outpost-root-a did not appear within 5s \(block devices: .*/dev/vda2 \(outpost-root-x\).*\): check that the disk with the Outpost image is attached`, vm.BootTimeout)
	v.Expect(`outpost: EMERGENCY: the boot cannot continue`, vm.CmdTimeout)
	noPanic(t, v)
}

// TestDiskTooSmall writes the image to a disk smaller than the image (its
// state partition and backup GPT cut off): the boot says so, and the disk
// is not written.
func TestDiskTooSmall(t *testing.T) {
	b, dir := vm.Board(t, images, "qemu-x86_64")
	img := vm.Disk(t, dir, 0, stayInEmergency...)
	st := partition(t, img, board.PartState)
	size := st.Start + 128<<20
	if err := os.Truncate(img, size); err != nil {
		t.Fatal(err)
	}
	before := sum(t, img, 0, size)
	v := vm.Boot(t, vm.UEFI(t, b, img))
	// The kernel refuses a GPT that reaches beyond the disk and shows no
	// partitions; stage 1 reads the table itself and says why.
	v.Expect(`root PARTLABEL=outpost-root-a: disk /dev/vda is \d+ bytes, but its partition outpost-state ends at byte \d+: the image was written to a disk smaller than the image; write it to a disk of at least \d+ bytes`, vm.BootTimeout)
	v.Expect(`outpost: EMERGENCY: the boot cannot continue`, vm.CmdTimeout)
	noPanic(t, v)
	v.PowerCut()
	if sum(t, img, 0, size) != before {
		t.Error("a disk smaller than the image was written to")
	}
}
