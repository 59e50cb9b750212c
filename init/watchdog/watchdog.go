// Package watchdog arms the box's hardware watchdog and pets it from PID 1,
// so a box that hangs (a kernel that stops scheduling, a PID 1 that cannot
// run) is reset by the hardware instead of waiting for a person. The
// watchdog is never disarmed: a shutdown that hangs is reset too.
package watchdog

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultTimeout is how long the box may stop petting before the reset.
const DefaultTimeout = 60 * time.Second

// Dog is an armed watchdog device.
type Dog struct {
	f        *os.File
	Identity string
	Timeout  time.Duration
}

// Find returns the first watchdog device node in dev (/dev/watchdog0,
// /dev/watchdog1, ...), or "" when the box has none.
func Find(dev string) string {
	m, _ := filepath.Glob(filepath.Join(dev, "watchdog[0-9]*"))
	if len(m) == 0 {
		return ""
	}
	return m[0]
}

// Open arms the watchdog at path with timeout (the device may round it;
// Timeout says what it took).
func Open(path string, timeout time.Duration) (*Dog, error) {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("watchdog %s: %w", path, err)
	}
	d := &Dog{f: f, Timeout: timeout}
	if info, err := unix.IoctlGetWatchdogInfo(int(f.Fd())); err == nil {
		d.Identity = string(bytes.TrimRight(info.Identity[:], "\x00"))
	}
	// A device that cannot take this timeout keeps its own.
	_ = unix.IoctlSetPointerInt(int(f.Fd()), unix.WDIOC_SETTIMEOUT, int(timeout/time.Second))
	if got, err := unix.IoctlGetInt(int(f.Fd()), unix.WDIOC_GETTIMEOUT); err == nil {
		d.Timeout = time.Duration(got) * time.Second
	}
	return d, d.Pet()
}

// Pet resets the watchdog's timer.
func (d *Dog) Pet() error {
	if err := unix.IoctlWatchdogKeepalive(int(d.f.Fd())); err != nil {
		return fmt.Errorf("pet watchdog %s: %w", d.f.Name(), err)
	}
	return nil
}

// Run pets the watchdog every third of its timeout until ctx ends, and
// leaves it armed then.
func (d *Dog) Run(ctx context.Context, onError func(error)) {
	t := time.NewTicker(max(d.Timeout/3, time.Second))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := d.Pet(); err != nil {
				onError(err)
			}
		}
	}
}
