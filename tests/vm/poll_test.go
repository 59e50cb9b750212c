package vm

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPollReturnsOnceDone(t *testing.T) {
	calls := 0
	err := Poll(time.Minute, 0, func() (bool, error) {
		calls++
		return calls == 3, errors.New("not yet")
	})
	if err != nil || calls != 3 {
		t.Fatalf("Poll: %v after %d calls, want nil after 3", err, calls)
	}
}

func TestPollTimesOutWithTheLastError(t *testing.T) {
	last := errors.New("still refused")
	start := time.Now()
	calls := 0
	err := Poll(50*time.Millisecond, 20*time.Millisecond, func() (bool, error) {
		calls++
		return false, last
	})
	if !errors.Is(err, last) || !strings.Contains(err.Error(), "not within 50ms") {
		t.Fatalf("Poll: %v, want the deadline and the last error", err)
	}
	// Tried at once and again by the deadline (more often on a quiet
	// machine), and not long past it.
	if calls < 2 || time.Since(start) > time.Second {
		t.Errorf("%d calls in %s", calls, time.Since(start))
	}
}
