package clock

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// setClock steps the system clock by offset.
func setClock(offset time.Duration) error {
	t := time.Now().Add(offset)
	ts := unix.NsecToTimespec(t.UnixNano())
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		return fmt.Errorf("set system clock to %s: %w", t.UTC().Format(time.RFC3339), err)
	}
	return nil
}
