// Package stage1 is PID 1 in the initramfs: it mounts the pseudo file
// systems, loads the modules that reach the root device, waits for the root,
// mounts the read-only squashfs with its writable parts, and switches root
// to stage 2.
package stage1

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/bootparam"
	"github.com/outpost-os/outpost/init/kmod"
	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/init/phase"
	"github.com/u-root/u-root/pkg/mount"
)

// NewRoot is where the root image is mounted before the switch.
const NewRoot = "/newroot"

// Marker exists only in the initramfs; its presence means stage 1.
const Marker = "/etc/initrd-release"

// Run runs stage 1 and, when all goes well, never returns: it execs stage 2.
func Run(ctx context.Context, console io.Writer) error {
	var boot board.BootInfo
	var params bootparam.Params
	r := phase.Runner{Out: console}
	phases := []phase.Phase{
		{Name: "mounts", Run: func(context.Context) error { return mounts.MountAll(mounts.Stage1()) }},
		{Name: "cmdline", Run: func(context.Context) (err error) {
			params, err = bootparam.Read("/proc/cmdline")
			return err
		}},
		{Name: "bootinfo", Run: func(context.Context) (err error) {
			boot, err = board.ReadBootInfo(board.BootInfoPath)
			return err
		}},
		{Name: "modules", Run: func(context.Context) error { return loadRootModules(boot) }},
		{Name: "root-wait", Run: func(ctx context.Context) error {
			return WaitRoot(ctx, console, params.Root(boot.RootDevice), params.RootWait)
		}},
		{Name: "root-mount", Run: func(context.Context) error { return mounts.Root(params.Root(boot.RootDevice), NewRoot) }},
		{Name: "writable", Run: func(context.Context) error { return mounts.Writable(NewRoot, "/run") }},
	}
	if _, err := r.Run(ctx, phases); err != nil {
		return err
	}
	fmt.Fprintln(console, "outpost: stage 1 done, switching root")
	log.SetOutput(io.Discard) // u-root's switch_root narrates every step
	if err := mount.SwitchRoot(NewRoot, "/sbin/init"); err != nil {
		return fmt.Errorf("switch root to %s: %w", NewRoot, err)
	}
	return nil
}

func loadRootModules(boot board.BootInfo) error {
	l, err := kmod.NewLoader("/", boot.KernelVersion)
	if err != nil {
		return err
	}
	return l.Load(boot.RootModules)
}

// WaitRoot waits for the root device to appear, up to timeout.
func WaitRoot(ctx context.Context, console io.Writer, dev string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	announced := false
	for {
		if isBlockDevice(dev) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("root device %s did not appear within %s: check that the disk holding rootfs.squashfs is attached (QEMU: -drive file=rootfs.squashfs,if=virtio) or set root= on the kernel command line", dev, timeout)
		}
		if !announced && time.Until(deadline) < timeout-time.Second {
			fmt.Fprintf(console, "outpost: waiting up to %s for root device %s\n", timeout, dev)
			announced = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
