package vm

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/image/qemu"
)

// Disk copies the disk.img of an image folder into a folder of the test
// (sparse), grows it to size bytes when size is not 0, and writes cmdline
// into its loader entries; it returns the copy's path. Each VM of a test
// writes to its own copy.
func Disk(t testing.TB, imageDir string, size int64, cmdline ...string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), image.DiskFile)
	if err := disk.Copy(filepath.Join(imageDir, image.DiskFile), dst); err != nil {
		t.Fatal(err)
	}
	if size != 0 {
		if err := qemu.GrowDisk(dst, size); err != nil {
			t.Fatal(err)
		}
	}
	if err := disk.AppendOptions(context.Background(), dst, cmdline); err != nil {
		t.Fatal(err)
	}
	return dst
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

// DirectDisk returns the options of a direct kernel boot of an image
// folder's kernel and initrd with img as the disk and slot A as the root:
// the fast path to a node that keeps its state.
func DirectDisk(b board.Board, imageDir, img string) qemu.Options {
	return qemu.Options{Board: b, Kernel: filepath.Join(imageDir, image.KernelFile), Initrd: filepath.Join(imageDir, image.InitrdFile),
		Disk: img, Cmdline: []string{"root=PARTLABEL=" + board.PartRootA}}
}
