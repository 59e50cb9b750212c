package slots

import (
	"fmt"
	"strconv"
	"strings"
)

// Other is the slot that is not slot.
func Other(slot string) string {
	if slot == "a" {
		return "b"
	}
	return "a"
}

// RootPartition is the GPT name of a slot's root partition.
func RootPartition(slot string) string { return "outpost-root-" + slot }

// ESP paths, from the ESP's root.
const EntriesDir = "/loader/entries"

// KernelPath and InitrdPath are a slot's files on the ESP.
func KernelPath(slot string) string { return "/outpost/" + slot + "/kernel" }
func InitrdPath(slot string) string { return "/outpost/" + slot + "/initrd" }

// Entry is one slot's loader entry: its name's parts and what the upgrade
// writes in it.
type Entry struct {
	// Gen orders installs: the newest one is booted first.
	Gen  int
	Slot string
	// Left and Done are systemd-boot's boot counter: tries left and
	// tries made. Left is -1 on an entry that does not count (a good
	// one); 0 means its tries are spent.
	Left, Done int
	// Version is the image's version; Options its kernel command line.
	Version string
	Options []string
}

// Entry states, as the Node's annotations and the console show them.
const (
	StateGood   = "good"
	StateTrial  = "trial"
	StateFailed = "failed"
)

// State says whether an entry at rest on the ESP is good, on trial or
// failed. A booted entry that Counts is a try in progress whatever its
// state: systemd-boot counted the try before booting it, so its last try
// shows as +0-N.
func (e Entry) State() string {
	switch {
	case e.Left < 0:
		return StateGood
	case e.Left == 0:
		return StateFailed
	}
	return StateTrial
}

// ID is the entry's name without its counter, as systemd-boot names it
// (LoaderEntrySelected).
func (e Entry) ID() string { return fmt.Sprintf("outpost-%d-%s.conf", e.Gen, e.Slot) }

// FileName is the entry's file name with its counter.
func (e Entry) FileName() string {
	base := fmt.Sprintf("outpost-%d-%s", e.Gen, e.Slot)
	switch {
	case e.Left < 0:
	case e.Done > 0:
		base += fmt.Sprintf("+%d-%d", e.Left, e.Done)
	default:
		base += fmt.Sprintf("+%d", e.Left)
	}
	return base + ".conf"
}

// Path is the entry's file from the ESP's root.
func (e Entry) Path() string { return EntriesDir + "/" + e.FileName() }

// ParseName reads an entry's file name; ok is false for a file that is
// not an Outpost entry.
func ParseName(name string) (e Entry, ok bool) {
	base, found := strings.CutSuffix(name, ".conf")
	if !found {
		return Entry{}, false
	}
	base, counter, counted := strings.Cut(base, "+")
	e.Left, e.Done = -1, 0
	if counted {
		left, done, hasDone := strings.Cut(counter, "-")
		var err error
		if e.Left, err = count(left); err != nil {
			return Entry{}, false
		}
		if hasDone {
			if e.Done, err = count(done); err != nil {
				return Entry{}, false
			}
		}
	}
	rest, found := strings.CutPrefix(base, "outpost-")
	if !found {
		return Entry{}, false
	}
	gen, slot, found := strings.Cut(rest, "-")
	if !found || (slot != "a" && slot != "b") {
		return Entry{}, false
	}
	var err error
	if e.Gen, err = count(gen); err != nil {
		return Entry{}, false
	}
	e.Slot = slot
	return e, true
}

// count is a non-negative decimal number of a name.
func count(s string) (int, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" || len(s) > 6 {
		return 0, fmt.Errorf("not a count: %q", s)
	}
	return strconv.Atoi(s)
}

// Content is the entry file's text.
func (e Entry) Content() string {
	return fmt.Sprintf("title Outpost %s (slot %s)\nversion %s\nlinux %s\ninitrd %s\noptions %s\n",
		e.Version, e.Slot, e.Version, KernelPath(e.Slot), InitrdPath(e.Slot), strings.Join(e.Options, " "))
}

// ParseEntry reads an entry from its file name and text.
func ParseEntry(name, text string) (Entry, bool) {
	e, ok := ParseName(name)
	if ok {
		e.parseContent(text)
	}
	return e, ok
}

// parseContent fills in the version and options of an entry file's text.
func (e *Entry) parseContent(text string) {
	for _, line := range strings.Split(text, "\n") {
		key, value, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch key {
		case "version":
			e.Version = strings.TrimSpace(value)
		case "options":
			e.Options = strings.Fields(value)
		}
	}
}

// WithRoot returns options with root= naming slot's partition.
func WithRoot(options []string, slot string) []string {
	out := []string{"root=PARTLABEL=" + RootPartition(slot)}
	for _, w := range options {
		if !strings.HasPrefix(w, "root=") {
			out = append(out, w)
		}
	}
	return out
}

// Counts tells whether the entry has a boot counter: a booted entry that
// counts is a try in progress, even its last one (+0-3).
func (e Entry) Counts() bool { return e.Left >= 0 }

// DescribeTry is the booted entry as the console names it: "slot b
// (v1.2.3), try 1 of 3".
func (e Entry) DescribeTry() string {
	if !e.Counts() {
		return fmt.Sprintf("slot %s (%s)", e.Slot, e.Version)
	}
	return fmt.Sprintf("slot %s (%s), try %d of %d", e.Slot, e.Version, e.Done, e.Left+e.Done)
}

// Describe is an entry on the ESP as the console names it: "slot b
// (v1.2.3), 3 tries", "slot b (v1.2.3), failed after 3 tries".
func (e Entry) Describe() string {
	s := fmt.Sprintf("slot %s (%s)", e.Slot, e.Version)
	switch e.State() {
	case StateTrial:
		if e.Done == 0 {
			s += ", " + tries(e.Left)
		} else {
			s += fmt.Sprintf(", try %d of %d", e.Done, e.Left+e.Done)
		}
	case StateFailed:
		s += ", failed after " + tries(e.Done)
	}
	return s
}

// tries is "1 try" or "N tries".
func tries(n int) string {
	if n == 1 {
		return "1 try"
	}
	return fmt.Sprintf("%d tries", n)
}
