package statefs

import (
	"errors"
	"fmt"

	"github.com/outpost-os/outpost/init/mounts"
	"golang.org/x/sys/unix"
)

// Mount mounts the checked state partition on target (the new root's
// /var) and grows its file system to fill the partition (the first boot
// on a bigger disk, or after a wipe). A file system that cannot grow is
// reported and used at its size.
func Mount(o Options, res *Result, target string) error {
	dev := res.Device
	m := mounts.Mount{Source: dev.Path(), Target: target, FSType: "ext4", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOATIME, Mode: 0o755}
	if err := mounts.Do(m); err != nil {
		if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.EUCLEAN) || errors.Is(err, unix.EIO) {
			return fmt.Errorf("the state partition %s does not mount as ext4 although e2fsck passed it (%w); nothing was erased: boot once with outpost.wipe=state to start afresh", dev, err)
		}
		return fmt.Errorf("state partition %s: %w", dev, err)
	}
	before, after, err := growFS(target, dev.Path())
	if err != nil {
		fmt.Fprintf(o.Console, "outpost: state: %v; going on with %s\n", err, Bytes(before))
	} else if after > before {
		fmt.Fprintf(o.Console, "outpost: state: grew the file system on %s from %s to %s\n", dev, Bytes(before), Bytes(after))
	}
	fmt.Fprintf(o.Console, "outpost: state: %s (ext4, %s) mounted on /var\n", dev, Bytes(max(before, after)))
	if res.Wiped || !o.Wipe {
		if err := markWipe(target, res.Wiped); err != nil {
			return fmt.Errorf("state partition %s: wipe marker: %w", dev, err)
		}
	}
	return nil
}
