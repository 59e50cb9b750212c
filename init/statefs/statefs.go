// Package statefs is stage 1's side of the state partition
// (outpost-state): it finds it on the disk the root slot came from, grows
// the partition to the end of a disk bigger than the image, restores the
// empty file system when a factory reset asks for it, checks the file
// system with e2fsck, mounts it, and grows the file system to fill the
// partition. It never formats over data it was not told to erase.
package statefs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
	"github.com/outpost-os/outpost/init/blockdev"
)

// Options say where to look and what to do.
type Options struct {
	Console io.Writer
	// Sys is the sysfs block folder (blockdev.SysBlock).
	Sys string
	// Root is the booted root slot; the state partition is looked for on
	// the same disk.
	Root blockdev.Device
	// Wipe restores the empty state file system (outpost.wipe=state).
	Wipe bool
	// E2fsck and Template are the checker and the empty file system
	// (paths.E2fsck, paths.StateTemplate).
	E2fsck, Template string
	// Scratch is an empty folder to look into the file system before a
	// wipe.
	Scratch string
}

// Result is what Prepare did.
type Result struct {
	Device blockdev.Device
	// Wiped is true when this boot reset the file system.
	Wiped bool
}

// Prepare finds, grows, (on request) wipes and checks the state
// partition. It returns nil when the root's disk has none: the node then
// keeps its state in memory.
func Prepare(ctx context.Context, o Options) (*Result, error) {
	if o.Root.Disk == "" {
		return nil, nil
	}
	devs, err := blockdev.Scan(o.Sys)
	if err != nil {
		return nil, err
	}
	dev, ok := blockdev.PartitionOf(devs, o.Root.Disk, board.PartState)
	if !ok {
		return nil, nil
	}
	if dev, err = grow(o, dev); err != nil {
		return nil, err
	}
	res := &Result{Device: dev}
	switch {
	case o.Wipe && alreadyWiped(dev, o.Scratch):
		fmt.Fprintf(o.Console, "outpost: state: outpost.wipe=state is still on the kernel command line, but %s was reset by an earlier boot: not erasing it again (remove the key)\n", dev)
	case o.Wipe:
		if err := wipe(o, dev); err != nil {
			return nil, err
		}
		res.Wiped = true
	}
	if err := check(ctx, o, dev); err != nil {
		return nil, err
	}
	return res, nil
}

// grow moves the end of the state partition to the end of its disk, once
// (a disk as big as the image has nothing to grow).
func grow(o Options, dev blockdev.Device) (blockdev.Device, error) {
	f, err := os.OpenFile(dev.DiskPath(), os.O_RDWR|os.O_SYNC, 0)
	if err != nil {
		return dev, fmt.Errorf("state partition %s: open its disk: %w", dev, err)
	}
	defer f.Close()
	size, err := blockdev.SizeOf(f)
	if err != nil {
		return dev, fmt.Errorf("state partition %s: %w", dev, err)
	}
	g, err := gpt.Grow(f, size, board.PartState, board.DiskAlign)
	var small *gpt.ErrTooSmall
	if errors.As(err, &small) {
		return dev, fmt.Errorf("state partition %s: %w; nothing was changed on the disk", dev, err)
	}
	if err != nil {
		return dev, fmt.Errorf("state partition %s: grow: %w", dev, err)
	}
	if !g.Grown() {
		return dev, nil
	}
	if err := blockdev.Resize(f, g.After.Number, g.After.Start, g.After.Size); err != nil {
		// The kernel keeps the old size until the next boot reads the
		// grown table: not a reason to stop this one.
		fmt.Fprintf(o.Console, "outpost: state: %v; the partition is grown on disk and the next boot uses all of it\n", err)
		return dev, nil
	}
	fmt.Fprintf(o.Console, "outpost: state: grew partition %s from %s to %s (the disk is %s)\n",
		dev, Bytes(g.Before.Size), Bytes(g.After.Size), Bytes(size))
	dev.Size = g.After.Size
	return dev, nil
}

// Bytes writes a size the way the console shows sizes.
func Bytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
