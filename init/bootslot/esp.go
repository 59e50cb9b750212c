package bootslot

import (
	"errors"
	"fmt"
	"os"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/blockdev"
	"github.com/outpost-os/outpost/services/slots"
	"golang.org/x/sys/unix"
)

// ESPMount mounts the ESP of the root's disk for one change and unmounts
// it after, so a power cut finds it clean nearly always.
type ESPMount struct {
	// Sys is the sysfs block folder; Root the root= of the command line.
	Sys, Root string
	// Dir is the mount point.
	Dir string
}

// Run mounts the ESP on Dir, runs f on it, syncs and unmounts.
func (m ESPMount) Run(f func(slots.ESP) error) error {
	dev, err := m.find()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(m.Dir, 0o700); err != nil {
		return fmt.Errorf("mount the ESP: %w", err)
	}
	// quiet: FAT has no modes, so chmod on it succeeds without effect.
	if err := unix.Mount(dev.Path(), m.Dir, "vfat", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "fmask=0077,dmask=0077,quiet"); err != nil {
		return fmt.Errorf("mount the ESP %s on %s: %w", dev, m.Dir, err)
	}
	err = f(slots.ESP{Dir: m.Dir})
	unix.Sync()
	if uerr := unix.Unmount(m.Dir, 0); uerr != nil {
		err = errors.Join(err, fmt.Errorf("unmount the ESP %s: %w", dev, uerr))
	}
	return err
}

// find is the ESP partition on the root's disk.
func (m ESPMount) find() (blockdev.Device, error) {
	spec, err := blockdev.ParseSpec(m.Root)
	if err != nil {
		return blockdev.Device{}, err
	}
	devs, err := blockdev.Scan(m.Sys)
	if err != nil {
		return blockdev.Device{}, err
	}
	roots := spec.Match(devs)
	if len(roots) == 0 {
		return blockdev.Device{}, fmt.Errorf("find the ESP: the root %s is not among the block devices", spec)
	}
	esp, ok := blockdev.PartitionOf(devs, roots[0].Disk, board.PartESP)
	if !ok {
		return blockdev.Device{}, fmt.Errorf("find the ESP: no %s partition on %s, the root's disk", board.PartESP, roots[0].Disk)
	}
	return esp, nil
}
