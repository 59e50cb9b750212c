package network

import (
	"testing"
	"time"
)

func TestSchedule(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	l := Lease{Acquired: t0, Duration: 100 * time.Second, T1: 50 * time.Second, T2: 80 * time.Second}
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	tests := []struct {
		name      string
		now, fail time.Time
		step      step
		when, end time.Time
	}{
		{"before T1: renew at T1", at(10), time.Time{}, stepRenew, at(50), at(80)},
		{"at T1: renew now", at(50), time.Time{}, stepRenew, at(50), at(80)},
		{"renew failed: retry at half the time left", at(51), at(50), stepRenew, at(65), at(80)},
		{"renew failed late: retry no sooner than minRetry", at(79), at(79), stepRenew, at(80), at(80)},
		{"after T2: rebind now, old failure forgotten", at(80), at(79), stepRebind, at(80), at(100)},
		{"rebind failed: half the time left", at(81), at(80), stepRebind, at(90), at(100)},
		{"expired", at(100), at(95), stepExpire, at(100), at(100)},
		{"long expired", at(500), time.Time{}, stepExpire, at(500), at(500)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, when, end := schedule(l, tt.now, tt.fail)
			if s != tt.step || !when.Equal(tt.when) || !end.Equal(tt.end) {
				t.Errorf("schedule = %v at %s until %s, want %v at %s until %s",
					s, when.Sub(t0), end.Sub(t0), tt.step, tt.when.Sub(t0), tt.end.Sub(t0))
			}
		})
	}
}
