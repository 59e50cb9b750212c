package qemu

import (
	"fmt"
	"io"
	"os"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/services/atomicfile"
)

// PrepareVars makes vars, the writable UEFI variable store of a VM, from
// the board's firmware template unless it exists: a VM keeps its
// firmware settings (boot entries, boot counting) across runs.
func PrepareVars(b board.Board, vars string) error {
	if _, err := os.Stat(vars); err == nil {
		return nil
	}
	fw := b.QEMU.Firmware
	in, err := os.Open(fw.Vars)
	if err != nil {
		return fmt.Errorf("UEFI variable store template %s: %w (install Debian's %s: make deps does this)", fw.Vars, err, fw.Package)
	}
	defer in.Close()
	out, err := atomicfile.Create(vars, 0o644)
	if err != nil {
		return fmt.Errorf("UEFI variable store: %w", err)
	}
	defer out.Abort()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("UEFI variable store %s: %w", vars, err)
	}
	return out.Commit()
}

// GrowDisk makes the disk image at path size bytes long (sparse), as a
// bigger disk would be; it never shrinks one.
func GrowDisk(path string, size int64) error {
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	if size < st.Size() {
		return fmt.Errorf("disk %s is %d bytes already; --disk-size %d would cut it: give a bigger size (or rebuild the image)", path, st.Size(), size)
	}
	if size == st.Size() {
		return nil
	}
	return os.Truncate(path, size)
}
