package vm

import (
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/qemu"
)

// ConsoleOn is the kernel command line option that turns the debug
// console on, which the harness talks to.
const ConsoleOn = "outpost.console=on"

// Direct returns the options of a direct boot of an image folder's
// kernel, initrd and squashfs root on board b, with the debug console on
// and cmdline after it: the node keeps no state.
func Direct(b board.Board, imageDir string, cmdline ...string) qemu.Options {
	return qemu.FromDir(qemu.Options{Board: b, Cmdline: append([]string{ConsoleOn}, cmdline...)}, imageDir)
}

// DirectDisk returns the options of a direct kernel boot of an image
// folder's kernel and initrd with img as the disk, slot A as the root and
// the debug console on: the fast path to a node that keeps its state.
func DirectDisk(b board.Board, imageDir, img string) qemu.Options {
	return qemu.Options{Board: b, Kernel: filepath.Join(imageDir, image.KernelFile), Initrd: filepath.Join(imageDir, image.InitrdFile),
		Disk: img, Cmdline: []string{"root=PARTLABEL=" + board.PartRootA, ConsoleOn}}
}

// UEFI returns the options of a UEFI boot of img on board b, with a
// variable store beside the disk.
func UEFI(t testing.TB, b board.Board, img string) qemu.Options {
	t.Helper()
	o := qemu.Options{Board: b, Disk: img, UEFI: true, Vars: filepath.Join(filepath.Dir(img), "efivars.fd")}
	if err := qemu.PrepareVars(b, o.Vars); err != nil {
		t.Fatal(err)
	}
	return o
}
