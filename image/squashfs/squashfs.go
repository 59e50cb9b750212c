// Package squashfs makes the read-only root image from a staging folder
// with mksquashfs (Debian's squashfs-tools), every file owned by root and
// every time set to the build's epoch so that the same inputs give the
// same image.
package squashfs

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Write makes dst from src with the given compression (xz is the
// smallest, zstd the fastest to build and to read).
func Write(ctx context.Context, src, dst, compression string, epoch time.Time) error {
	switch compression {
	case "xz", "zstd", "gzip": // what the kernels of our boards read
	default:
		return fmt.Errorf("squashfs compression %q: use xz, zstd or gzip", compression)
	}
	if _, err := exec.LookPath("mksquashfs"); err != nil {
		return fmt.Errorf("mksquashfs not found: install Debian's squashfs-tools (make deps does this)")
	}
	f, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return fmt.Errorf("squashfs: %w", err)
	}
	defer f.Abort()
	f.Close() // mksquashfs writes the file by name (-noappend: from empty)
	args := []string{src, f.Name(), "-noappend", "-all-root", "-comp", compression,
		"-mkfs-time", fmt.Sprint(epoch.Unix()), "-all-time", fmt.Sprint(epoch.Unix()), "-no-progress", "-quiet"}
	cmd := exec.CommandContext(ctx, "mksquashfs", args...)
	// mksquashfs refuses SOURCE_DATE_EPOCH next to -all-time; the epoch
	// is in the arguments already.
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
		return strings.HasPrefix(kv, "SOURCE_DATE_EPOCH=")
	})
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mksquashfs %s: %v: %s", dst, err, strings.TrimSpace(string(out)))
	}
	return f.Commit()
}
