package clock

import (
	"strings"
	"testing"
	"time"
)

func TestCheckPlausible(t *testing.T) {
	floor := Floor()
	if floor.Before(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Floor() = %s, before the release floor", floor)
	}
	err := CheckPlausible(time.Unix(42, 0), floor)
	if err == nil || !strings.Contains(err.Error(), "1970-01-01") || !strings.Contains(err.Error(), "ntp.servers") {
		t.Errorf("1970: error = %v, want one naming the date and ntp.servers", err)
	}
	if err := CheckPlausible(floor.Add(time.Hour), floor); err != nil {
		t.Errorf("after the floor: %v", err)
	}
}
