package stage2

import (
	"context"
	"fmt"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/blockdev"
	"github.com/outpost-os/outpost/init/bootslot"
	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/init/shutdown"
	"github.com/outpost-os/outpost/init/watchdog"
	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/slots"
)

// watchdogPhase arms the hardware watchdog and pets it from here on: a
// box that hangs is reset, which on a new slot counts as a failed try.
func (s *init2) watchdogPhase(ctx context.Context) error {
	dev := watchdog.Find("/dev")
	if dev == "" {
		fmt.Fprintln(s.console, "outpost: watchdog: none found: a hang will not reset this box")
		return nil
	}
	d, err := watchdog.Open(dev, watchdog.DefaultTimeout)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.console, "outpost: watchdog: %s (%s) armed, %s timeout\n", dev, d.Identity, d.Timeout)
	go guard(s.console, "watchdog", func() {
		d.Run(ctx, func(err error) { fmt.Fprintf(s.console, "outpost: %v\n", err) })
	})
	return nil
}

// slotPhase says which slot booted, with which try, and explains a
// rollback; on a UEFI boot it reads the boot loader's variables.
func (s *init2) slotPhase(ctx context.Context) error {
	if mounts.UEFI() {
		if err := s.loadModules(board.EFIModules); err != nil {
			return err
		}
		if err := mounts.Do(mounts.EFIVars(slots.EFIVars)); err != nil {
			return err
		}
	}
	esp := bootslot.ESPMount{Sys: blockdev.SysBlock, Root: s.params.Root(s.boot.RootDevice), Dir: paths.ESPMount}
	b, err := bootslot.Start(bootslot.Options{Console: s.console, EFIVars: slots.EFIVars, ESP: esp.Run, BootDir: paths.BootDir, Tries: paths.BootTries})
	s.slot = b
	if b.Trial() {
		// The wait starts now, so a boot that never gets to its role
		// (no metadata, a failed phase) is given up too; the
		// configuration's boot_deadline replaces the default once read.
		s.deadline.Store(int64(config.DefaultBootDeadline))
		go guard(s.console, "boot-health", func() {
			b.Await(ctx, s.start, func() time.Duration { return time.Duration(s.deadline.Load()) }, func() { s.events <- shutdown.Reboot })
		})
	}
	return err
}

// setDeadline takes boot_deadline from the configuration, once it is
// read, and says on a trial boot what the wait is.
func (s *init2) setDeadline() {
	if !s.slot.Trial() {
		return
	}
	d := config.DefaultBootDeadline
	if s.node.cfg != nil {
		d = s.node.cfg.Config.Deadline()
	}
	if old := s.deadline.Swap(int64(d)); old != int64(d) || !s.deadlineSaid {
		fmt.Fprintf(s.console, "outpost: boot: waiting up to %s for the node to be healthy before this slot is marked good\n", d)
		s.deadlineSaid = true
	}
}
