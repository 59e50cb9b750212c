// Package squashfs makes the read-only root image from a staging folder
// with mksquashfs (Debian's squashfs-tools), every file owned by root and
// every time zeroed so that the same inputs give the same image.
package squashfs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Write makes dst from src with the given compression (xz is the
// smallest, zstd the fastest to build and to read).
func Write(ctx context.Context, src, dst, compression string) error {
	switch compression {
	case "xz", "zstd", "gzip": // what the kernels of our boards read
	default:
		return fmt.Errorf("squashfs compression %q: use xz, zstd or gzip", compression)
	}
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		return fmt.Errorf("mksquashfs not found: install Debian's squashfs-tools (make deps does this)")
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp")
	os.Remove(tmp)
	defer os.Remove(tmp)
	args := []string{src, tmp, "-noappend", "-all-root", "-comp", compression,
		"-mkfs-time", "0", "-all-time", "0", "-no-progress", "-quiet"}
	if out, err := exec.CommandContext(ctx, "mksquashfs", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("mksquashfs %s: %v: %s", dst, err, strings.TrimSpace(string(out)))
	}
	return os.Rename(tmp, dst)
}
