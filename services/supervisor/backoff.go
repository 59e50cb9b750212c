package supervisor

import "time"

// Backoff is the restart delay: Initial, doubled after each quick exit up
// to Max, and back to Initial after a run that lasted ResetAfter.
type Backoff struct {
	Initial    time.Duration
	Max        time.Duration
	ResetAfter time.Duration
}

func (b Backoff) withDefaults() Backoff {
	if b.Initial == 0 {
		b.Initial = time.Second
	}
	if b.Max == 0 {
		b.Max = 30 * time.Second
	}
	if b.ResetAfter == 0 {
		b.ResetAfter = time.Minute
	}
	return b
}

func (b Backoff) next(d time.Duration) time.Duration {
	d *= 2
	if d > b.Max {
		return b.Max
	}
	return d
}
