package disk_test

import (
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
	"github.com/outpost-os/outpost/tests/vm"
)

// A 4 GiB disk holds the ESP (512 MiB), two 1 GiB slots and 1.5 GiB of
// state once grown.
const (
	diskSize  = 4 << 30
	grownSize = "1.5 GiB"
)

// TestDiskBoot boots disk.img through UEFI on the QEMU boards and the
// arm64 metal board (an NVMe disk, the console named by the firmware), on
// a disk bigger than the image: the state partition grows once, is
// checked and mounted on /var, /etc/outpost is kept on it, and a second
// boot finds nothing to grow and a clean file system.
func TestDiskBoot(t *testing.T) {
	for name, disk := range map[string]string{"qemu-x86_64": "/dev/vda", "qemu-arm64": "/dev/vda", "metal-arm64": "/dev/nvme0n1p"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testDiskBoot(t, name, disk)
		})
	}
}

// testDiskBoot boots board name, whose disk's partitions are diskN.
func testDiskBoot(t *testing.T, name, disk string) {
	b, dir := vm.Board(t, images, name)
	img := vm.Disk(t, dir, diskSize, vm.ConsoleOn)
	o := vm.UEFI(t, b, img)
	v := vm.Boot(t, o)
	root, state := regexp.QuoteMeta(disk+"2"), regexp.QuoteMeta(disk+"4")
	v.Expect(`outpost: root: slot a, `+root+` \(outpost-root-a\)`, vm.BootTimeout)
	v.Expect(`outpost: state: grew partition `+state+` \(outpost-state\) from 256 MiB to `+grownSize+` \(the disk is 4.0 GiB\)`, vm.CmdTimeout)
	v.Expect(`outpost: state: checked `+state+` \(outpost-state\): clean`, vm.CmdTimeout)
	v.Expect(`outpost: state: grew the file system on `+state+` \(outpost-state\) from 256 MiB to `+grownSize, vm.CmdTimeout)
	v.Expect(`outpost: state: `+state+` \(outpost-state\) \(ext4, `+grownSize+`\) mounted on /var`, vm.CmdTimeout)
	v.Expect(`outpost: console ready`, vm.BootTimeout)
	if strings.Contains(v.Output(), "will not survive a reboot") {
		t.Error("a disk boot said its state is in memory")
	}

	mounts := strings.Join(v.MustRun("cat /proc/mounts", vm.CmdTimeout), "\n")
	for _, re := range []string{`(?m)^` + root + ` / squashfs ro[,\s]`, `(?m)^` + state + ` /var ext4 rw,`, `(?m)^` + state + ` /etc/outpost ext4 rw,`} {
		if !regexp.MustCompile(re).MatchString(mounts) {
			t.Errorf("mounts lack %s:\n%s", re, mounts)
		}
	}
	df := v.MustRun("df /var", vm.CmdTimeout)
	var size, free int64
	if len(df) != 1 || func() error { _, err := fmt.Sscanf(df[0], "size %d free %d", &size, &free); return err }() != nil || size < 1400<<20 {
		t.Errorf("df /var: %q, want a file system of about %s", df, grownSize)
	}

	// A clean power off leaves a valid GPT reaching the disk's end and a
	// clean file system, both checked by the host's own tools.
	v.Send("kill 1 TERM")
	v.Expect(`reboot: Power down`, vm.CmdTimeout)
	if err := v.WaitExit(vm.CmdTimeout); err != nil {
		t.Errorf("QEMU after power off: %v", err)
	}
	hostChecks(t, img)

	again := vm.Boot(t, o)
	again.Expect(`outpost: state: checked `+state+` \(outpost-state\): clean`, vm.BootTimeout)
	again.Expect(`outpost: console ready`, vm.BootTimeout)
	if out := again.Output(); strings.Contains(out, "grew") {
		t.Errorf("the second boot grew something again:\n%s", vm.Tail(out, 40))
	}
}

// hostChecks runs sgdisk and e2fsck over a powered-off disk image.
func hostChecks(t *testing.T, img string) {
	t.Helper()
	if out, err := exec.Command("sgdisk", "-v", img).CombinedOutput(); err != nil || !strings.Contains(string(out), "No problems found") {
		t.Errorf("sgdisk -v after the boot: %v\n%s", err, out)
	}
	tab, err := gpt.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := tab.Find(board.PartState)
	if st.End() < tab.Size-2<<20 {
		t.Errorf("state partition ends at %d of a %d-byte disk", st.End(), tab.Size)
	}
	// e2fsck reads the partition through a file offset.
	out, err := exec.Command("e2fsck", "-fn", img+"?offset="+strconv.FormatInt(st.Start, 10)).CombinedOutput()
	if err != nil {
		t.Errorf("e2fsck of the state partition after a clean power off: %v\n%s", err, out)
	}
}
