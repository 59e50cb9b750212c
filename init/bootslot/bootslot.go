// Package bootslot is PID 1's part of the A/B upgrade: at boot it reads
// which slot and entry the boot loader started, says so on the console,
// explains a rollback, and leaves the status for the role to publish; on
// a trial boot (a new slot's entry that counts tries) it marks the boot
// good once the role says the node is healthy, or gives the try up and
// reboots when the deadline passes first. What each try reached is kept
// on the state partition, which is what explains a rollback later: a try
// with no record never reached stage 2.
package bootslot

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/services/slots"
)

// Options are where PID 1 finds and keeps things.
type Options struct {
	Console io.Writer
	// EFIVars is efivarfs's mount point.
	EFIVars string
	// ESP mounts the ESP, runs f on it and unmounts it.
	ESP func(f func(slots.ESP) error) error
	// BootDir gets status.json; the role leaves healthy there.
	BootDir string
	// Tries is the folder of the tries' records (on the state partition).
	Tries string
}

// Boot is this boot's slot.
type Boot struct {
	o      Options
	status slots.Status
}

// Start reads the boot loader's variables and the ESP's entries, reports
// the boot and records the try. A boot that no Outpost entry started (a
// direct kernel boot) gives nil: no slots, no counting.
func Start(o Options) (*Boot, error) {
	booted, err := slots.ReadBooted(o.EFIVars)
	if err != nil {
		return nil, fmt.Errorf("boot loader variables: %w", err)
	}
	if !booted.OK {
		fmt.Fprintln(o.Console, "outpost: boot: not started by an Outpost boot entry (a direct kernel boot or another boot loader): no slots, no boot counting")
		return nil, nil
	}
	b := &Boot{o: o, status: slots.StatusOf(nil, booted.Entry)}
	err = o.ESP(func(esp slots.ESP) error {
		es, err := esp.Entries()
		if err == nil {
			b.status = slots.StatusOf(es, booted.Entry)
		}
		return err
	})
	if err != nil {
		// The boot loader's variable still says whether this is a try:
		// the deadline holds even when the ESP cannot be read.
		fmt.Fprintf(o.Console, "outpost: boot: %v; the slot's status is what the boot loader says\n", err)
	}
	fmt.Fprintf(o.Console, "outpost: boot: %s (%s)\n", b.status.Summary(), booted.Loader)
	why := ""
	if b.status.RolledBack {
		why = b.explainRollback()
		fmt.Fprintf(o.Console, "outpost: boot: ROLLBACK: %s\n", why)
	}
	if b.Trial() {
		b.record(fmt.Sprintf("try %d: reached stage 2", b.status.Booted.Done))
	}
	return b, b.writeStatus(why)
}

// Trial tells whether this boot is a new slot's try.
func (b *Boot) Trial() bool { return b != nil && b.status.Trial() }

// Poll is how often Await looks for the healthy mark and the deadline.
const Poll = 250 * time.Millisecond

// Await waits, on a trial boot, for the role's healthy mark until
// deadline() after the boot's start (read at each poll: the configuration
// that sets it may come later than the wait starts), then marks the boot
// good; when the deadline passes first it records that and calls reboot.
// It returns at once on a boot that is not a trial.
func (b *Boot) Await(ctx context.Context, start time.Time, deadline func() time.Duration, reboot func()) {
	if !b.Trial() {
		return
	}
	e := b.status.Booted
	tick := time.NewTicker(Poll)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		if _, err := os.Stat(filepath.Join(b.o.BootDir, slots.HealthyFile)); err == nil {
			b.bless()
			return
		}
		if d := deadline(); time.Since(start) >= d {
			b.record(fmt.Sprintf("try %d: not a healthy node within %s", e.Done, d))
			fmt.Fprintf(b.o.Console, "outpost: boot: %s: the node was not healthy within %s (boot_deadline): rebooting%s\n", e.DescribeTry(), d, b.afterThis())
			reboot()
			return
		}
	}
}

// afterThis says what the next boot will be.
func (b *Boot) afterThis() string {
	e := b.status.Booted
	if e.Left > 0 {
		return fmt.Sprintf(" for try %d of %d", e.Done+1, e.Left+e.Done)
	}
	if o := b.status.Other; o != nil && o.State() == slots.StateGood {
		return fmt.Sprintf("; its tries are spent, the box goes back to slot %s (%s)", o.Slot, o.Version)
	}
	return "; its tries are spent"
}

// bless marks the boot good on the ESP.
func (b *Boot) bless() {
	e := b.status.Booted
	err := b.o.ESP(func(esp slots.ESP) error {
		good, err := esp.Bless(e)
		if err == nil {
			b.status.Booted = good
		}
		return err
	})
	if err != nil {
		fmt.Fprintf(b.o.Console, "outpost: boot: the node is healthy but %s cannot be marked good: %v (it will be tried again on the next boot)\n", e.DescribeTry(), err)
		return
	}
	b.record(fmt.Sprintf("try %d: a healthy node, marked good", e.Done))
	fmt.Fprintf(b.o.Console, "outpost: boot: the node is healthy: slot %s (%s) marked good\n", e.Slot, e.Version)
	if err := b.writeStatus(""); err != nil {
		fmt.Fprintf(b.o.Console, "outpost: boot: %v\n", err)
	}
}

// writeStatus leaves the status for the role.
func (b *Boot) writeStatus(why string) error {
	return slots.WriteReport(b.o.BootDir, b.status.Report(why))
}
