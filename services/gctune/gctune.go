// Package gctune sets the Go garbage collector's goal of Outpost's
// long-running processes on a node: PID 1, the console, the role process,
// containerd and its shims. Go's default (GOGC=100) lets the heap grow to
// twice the live data before it collects; on a small box that headroom is
// memory the workloads do not get. An explicit GOGC in the environment
// wins over all of it.
package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"time"
)

// Goals (GOGC values) of Outpost's processes.
const (
	// Daemon is every long-running process's goal while it starts, and
	// PID 1's, the console's, containerd's and the shims' for good: the
	// heap grows to 1.5 times the live data.
	Daemon = 50
	// Role is the role process's goal once it has settled: its live heap
	// (about 110 MB for a server) dominates the node's memory, so the heap
	// grows to only 1.25 times the live data. Not from the start: under
	// emulation the extra collections cost the boot about 8 s.
	Role = 25
	// RoleSettle is how long after its start the role process switches
	// to Role: a node under QEMU's emulation is Ready after about a
	// minute.
	RoleSettle = 90 * time.Second
)

// Apply sets the goal to percent unless GOGC is set, and reports whether
// it did.
func Apply(percent int) bool {
	if explicit() {
		return false
	}
	debug.SetGCPercent(percent)
	return true
}

// Settle sets the Daemon goal now and, unless ctx ends first, the Role
// goal once settled delivers, then returns the memory start-up left free
// to the system. It does nothing when GOGC is set.
func Settle(ctx context.Context, settled <-chan time.Time) {
	if !Apply(Daemon) {
		return
	}
	go func() {
		select {
		case <-ctx.Done():
		case <-settled:
			debug.SetGCPercent(Role)
			debug.FreeOSMemory()
		}
	}()
}

func explicit() bool {
	_, set := os.LookupEnv("GOGC")
	return set
}
