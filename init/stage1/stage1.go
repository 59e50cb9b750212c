// Package stage1 is PID 1 in the initramfs: it mounts the pseudo file
// systems, loads the modules that reach the root device, waits for the
// root (a whole disk, or a slot's partition named by root=), prepares and
// mounts the state partition on the same disk (or a tmpfs when there is
// none), mounts the read-only squashfs with its writable parts, and
// switches root to stage 2.
package stage1

import (
	"context"
	"fmt"
	"io"
	"log"
	"strings"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/blockdev"
	"github.com/outpost-os/outpost/init/kmod"
	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/init/phase"
	"github.com/outpost-os/outpost/init/statefs"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/u-root/u-root/pkg/mount"
)

// NewRoot is where the root image is mounted before the switch.
const NewRoot = "/newroot"

// Marker exists only in the initramfs; its presence means stage 1.
const Marker = "/etc/initrd-release"

// stage1 is what the phases learn and pass on.
type stage1 struct {
	console io.Writer
	params  bootparam.Params
	boot    board.BootInfo
	root    blockdev.Device
	state   *statefs.Result
}

// Run runs stage 1 and, when all goes well, never returns: it execs stage 2.
func Run(ctx context.Context, console io.Writer) error {
	s := &stage1{console: console}
	r := phase.Runner{Out: console}
	if _, err := r.Run(ctx, s.phases()); err != nil {
		return err
	}
	fmt.Fprintln(console, "outpost: stage 1 done, switching root")
	log.SetOutput(io.Discard) // u-root's switch_root narrates every step
	if err := mount.SwitchRoot(NewRoot, "/sbin/init"); err != nil {
		return fmt.Errorf("switch root to %s: %w", NewRoot, err)
	}
	return nil
}

func (s *stage1) phases() []phase.Phase {
	return []phase.Phase{
		{Name: "mounts", Run: func(context.Context) error { return mounts.MountAll(mounts.Stage1()) }},
		{Name: "cmdline", Run: func(context.Context) (err error) {
			s.params, err = bootparam.Read("/proc/cmdline")
			return err
		}},
		{Name: "bootinfo", Run: func(context.Context) (err error) {
			s.boot, err = board.ReadBootInfo(paths.BootInfo)
			return err
		}},
		{Name: "modules", Run: func(context.Context) error { return loadRootModules(s.boot) }},
		{Name: "root-wait", Run: s.waitRoot},
		{Name: "state", Run: s.prepareState},
		{Name: "root-mount", Run: func(context.Context) error { return mounts.Root(s.root.Path(), NewRoot) }},
		{Name: "writable", Run: s.writable},
	}
}

// loadRootModules loads the modules that reach the root and the state,
// and on a UEFI boot those that read the boot loader's variables.
func loadRootModules(boot board.BootInfo) error {
	l, err := kmod.NewLoader("/", boot.KernelVersion)
	if err != nil {
		return err
	}
	if err := l.Load(boot.RootModules); err != nil {
		return err
	}
	if !mounts.UEFI() {
		return nil
	}
	return l.Load(board.EFIModules)
}

func (s *stage1) waitRoot(ctx context.Context) error {
	spec, err := blockdev.ParseSpec(s.params.Root(s.boot.RootDevice))
	if err != nil {
		return err
	}
	if s.root, err = WaitRoot(ctx, s.console, blockdev.SysBlock, spec, s.params.RootWait); err != nil {
		return err
	}
	fmt.Fprintf(s.console, "outpost: root: %s\n", describeRoot(s.root))
	return nil
}

// describeRoot names the booted slot, or says the root is a whole disk.
func describeRoot(d blockdev.Device) string {
	if slot, ok := strings.CutPrefix(d.Label, "outpost-root-"); ok {
		return fmt.Sprintf("slot %s, %s", slot, d)
	}
	if d.Disk == "" {
		return fmt.Sprintf("%s (a whole disk, no slots)", d)
	}
	return d.String()
}

func (s *stage1) prepareState(ctx context.Context) (err error) {
	s.state, err = statefs.Prepare(ctx, s.stateOptions())
	if err == nil && s.state == nil {
		fmt.Fprintf(s.console, "outpost: state: no %s partition on the root's disk: /var is in memory and the node's state will not survive a reboot\n", board.PartState)
	}
	return err
}

func (s *stage1) stateOptions() statefs.Options {
	return statefs.Options{Console: s.console, Sys: blockdev.SysBlock, Root: s.root, Wipe: s.params.WipeState,
		E2fsck: paths.E2fsck, Template: paths.StateTemplate, Scratch: paths.StateCheck}
}

// writable mounts the state partition on the new root's /var (when there
// is one), then the writable parts of the root.
func (s *stage1) writable(context.Context) error {
	if s.state != nil {
		if err := statefs.Mount(s.stateOptions(), s.state, NewRoot+"/var"); err != nil {
			return err
		}
	}
	return mounts.Writable(NewRoot, "/run", s.state != nil)
}
