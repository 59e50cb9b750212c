// Package shutdown ends the system in order: stop the supervised services
// in reverse order, ask every remaining process to end and then kill it,
// sync, unmount, and power off or reboot through reboot(2).
package shutdown

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/outpost-os/outpost/init/mounts"
	"golang.org/x/sys/unix"
)

// Kind is how the system ends.
type Kind int

// The ways to end.
const (
	PowerOff Kind = iota
	Reboot
)

func (k Kind) String() string {
	if k == Reboot {
		return "reboot"
	}
	return "power off"
}

func (k Kind) cmd() int {
	if k == Reboot {
		return unix.LINUX_REBOOT_CMD_RESTART
	}
	return unix.LINUX_REBOOT_CMD_POWER_OFF
}

// Plan is what Run does; the fields let tests and callers adjust it.
type Plan struct {
	Kind Kind
	// StopServices stops the supervised services, in reverse start order.
	StopServices func() error
	Console      io.Writer
	// Grace is how long the remaining processes get after SIGTERM.
	Grace time.Duration
}

// Run shuts the system down. It returns only if reboot(2) fails.
func Run(p Plan) error {
	out := p.Console
	fmt.Fprintf(out, "outpost: shutting down (%s)\n", p.Kind)
	if p.StopServices != nil {
		if err := p.StopServices(); err != nil {
			fmt.Fprintf(out, "outpost: stop services: %v\n", err)
		}
	}
	killRemaining(out, p.Grace)
	unix.Sync()
	stuck, err := mounts.UnmountAll()
	if err != nil {
		fmt.Fprintf(out, "outpost: unmount: %v\n", err)
	}
	if len(stuck) > 0 {
		fmt.Fprintf(out, "outpost: still mounted read-write: %v\n", stuck)
	}
	unix.Sync()
	fmt.Fprintf(out, "outpost: %s now\n", p.Kind)
	if err := unix.Reboot(p.Kind.cmd()); err != nil {
		return fmt.Errorf("reboot(2) for %s: %w", p.Kind, err)
	}
	return nil
}

// killRemaining sends SIGTERM to every other process, waits for them up to
// grace, then SIGKILLs what is left.
func killRemaining(out io.Writer, grace time.Duration) {
	if grace == 0 {
		grace = 5 * time.Second
	}
	unix.Kill(-1, unix.SIGTERM)
	deadline := time.Now().Add(grace)
	for others() > 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := others(); n > 0 {
		fmt.Fprintf(out, "outpost: %d processes ignored SIGTERM; killing them\n", n)
		unix.Kill(-1, unix.SIGKILL)
	}
}

// others counts processes other than this one and kernel threads (which
// have no command line).
func others() int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	self := os.Getpid()
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self {
			continue
		}
		if cmd, err := os.ReadFile("/proc/" + e.Name() + "/cmdline"); err == nil && len(cmd) > 0 {
			n++
		}
	}
	return n
}
