package statefs

import (
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/init/blockdev"
	"github.com/outpost-os/outpost/init/mounts"
	"golang.org/x/sys/unix"
)

// WipedMarker, relative to the state file system's root, says that the
// last boot reset it. outpost.wipe=state acts once: a key left on the
// command line does not erase the node again at every boot; booting once
// without it arms it again.
const WipedMarker = "lib/outpost/wiped"

// alreadyWiped tells whether the state file system on dev carries the
// marker, mounting it read-only for a look. One that does not mount is not
// marked (and is what a wipe is for).
func alreadyWiped(dev blockdev.Device, scratch string) bool {
	m := mounts.Mount{Source: dev.Path(), Target: scratch, FSType: "ext4", Flags: unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV, Data: "noload", Mode: 0o755}
	if mounts.Do(m) != nil {
		return false
	}
	defer unix.Unmount(scratch, 0)
	_, err := os.Stat(filepath.Join(scratch, WipedMarker))
	return err == nil
}

// markWipe records (or, without the key, clears) the marker on the
// mounted state file system.
func markWipe(root string, wiped bool) error {
	p := filepath.Join(root, WipedMarker)
	if !wiped {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return os.WriteFile(p, []byte("reset by outpost.wipe=state; boot once without it before asking again\n"), 0o644)
}

// wipe writes the empty state file system the image was built with over
// the start of the partition: a factory reset, asked for on the kernel
// command line. The file system grows to the partition once mounted. It
// erases the node's identity and cluster state, not the disk's bytes.
func wipe(o Options, dev blockdev.Device) error {
	fmt.Fprintf(o.Console, "outpost: state: outpost.wipe=state: erasing %s (factory reset)\n", dev)
	in, err := os.Open(o.Template)
	if err != nil {
		return fmt.Errorf("wipe %s: %w", dev, err)
	}
	defer in.Close()
	zr, err := gzip.NewReader(in)
	if err != nil {
		return fmt.Errorf("wipe %s: template %s: %w", dev, o.Template, err)
	}
	out, err := os.OpenFile(dev.Path(), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("wipe %s: %w", dev, err)
	}
	defer out.Close()
	n, err := io.Copy(out, zr)
	if err != nil {
		return fmt.Errorf("wipe %s: wrote %d bytes: %w", dev, n, err)
	}
	if n > dev.Size {
		return fmt.Errorf("wipe %s: the template is larger than the partition", dev)
	}
	if err := out.Sync(); err != nil {
		return fmt.Errorf("wipe %s: %w", dev, err)
	}
	return nil
}
