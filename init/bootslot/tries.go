package bootslot

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/slots"
)

// triesFile is the record of an entry's tries: one line per step.
func (b *Boot) triesFile(e slots.Entry) string { return filepath.Join(b.o.Tries, e.ID()+".log") }

// record appends a line to the booted entry's record and syncs it: the
// next step may be a reset.
func (b *Boot) record(line string) {
	path := b.triesFile(b.status.Booted)
	err := os.MkdirAll(b.o.Tries, 0o755)
	if err == nil {
		var f *os.File
		if f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644); err == nil {
			_, err = fmt.Fprintln(f, line)
			err = errors.Join(err, f.Sync(), f.Close())
		}
	}
	if err != nil {
		fmt.Fprintf(b.o.Console, "outpost: boot: cannot record %q in %s: %v\n", line, path, err)
	}
}

// explainRollback says why the other slot was left, try by try.
func (b *Boot) explainRollback() string {
	o := *b.status.Other
	data, _ := os.ReadFile(b.triesFile(o))
	last := map[int]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var n int
		if _, err := fmt.Sscanf(l, "try %d:", &n); err == nil {
			_, what, _ := strings.Cut(l, ": ")
			last[n] = what
		}
	}
	var tries []string
	for i := 1; i <= o.Done; i++ {
		what, ok := last[i]
		if !ok {
			what = "never reached stage 2 (the kernel panicked, stage 1 failed, or the box hung before PID 1 could say)"
		}
		tries = append(tries, fmt.Sprintf("try %d: %s", i, what))
	}
	spent := fmt.Sprintf("its %d tries", o.Done)
	if o.Done == 1 {
		spent = "its one try"
	}
	return fmt.Sprintf("slot %s (%s) used %s without becoming a healthy node (%s); back on slot %s (%s)",
		o.Slot, o.Version, spent, strings.Join(tries, "; "), b.status.Booted.Slot, b.status.Booted.Version)
}
