package clock

import (
	"fmt"
	"runtime/debug"
	"time"
)

// Floor is a time the clock cannot plausibly be before: when the running
// binary's source was committed (vcs.time, when the build recorded it),
// else this package's release floor, 2026-01-01.
func Floor() time.Time {
	floor := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return floor
	}
	for _, s := range info.Settings {
		if s.Key != "vcs.time" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, s.Value); err == nil && t.After(floor) {
			return t
		}
	}
	return floor
}

// CheckPlausible returns an error when now is before floor: the clock is
// surely wrong, and TLS certificates will look not yet valid until NTP
// sets it.
func CheckPlausible(now, floor time.Time) error {
	if now.Before(floor) {
		return fmt.Errorf("system clock reads %s, before %s: this board has no battery-backed clock (or it is flat); "+
			"certificates will look not yet valid until NTP sets the time: list servers under ntp.servers",
			now.UTC().Format(time.RFC3339), floor.UTC().Format("2006-01-02"))
	}
	return nil
}
