package vm

import (
	"context"
	"path/filepath"
	"testing"

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
