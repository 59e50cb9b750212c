package slots

import "fmt"

// Status is the slots as the node reports them.
type Status struct {
	// Booted is the running slot's entry (as the boot loader left it).
	Booted Entry
	// Other is the other slot's entry, if it has one.
	Other *Entry
	// RolledBack says the other slot holds a newer install whose tries
	// are spent: the boot loader came back to this one.
	RolledBack bool
}

// StatusOf is the status of the entries on the ESP for the booted one;
// booted is the entry the boot loader's variable names.
func StatusOf(es []Entry, booted Entry) Status {
	s := Status{Booted: booted}
	if e, ok := Find(es, booted.Slot); ok && e.Gen == booted.Gen {
		s.Booted = e // the ESP is newer than the variable once the boot is marked
	}
	if e, ok := Find(es, Other(booted.Slot)); ok {
		s.Other = &e
		s.RolledBack = e.Gen > booted.Gen && e.State() == StateFailed
	}
	return s
}

// Trial tells whether this boot is a new slot's try.
func (s Status) Trial() bool { return s.Booted.Counts() }

// Summary is the console's line on the boot.
func (s Status) Summary() string {
	line := "booted " + s.Booted.DescribeTry()
	if s.Other != nil {
		line += fmt.Sprintf("; the other slot has %s, %s", s.Other.Version, s.Other.State())
	}
	return line
}
