package vm

import (
	"fmt"
	"testing"
	"time"
)

// Poll calls try, and again every interval, until it reports done; it
// returns nil then, or, once timeout has passed since the first call, an
// error naming timeout that wraps try's last error. An interval of 0
// tries again at once (for a try that is a round trip to a guest). A try
// may end the test itself (t.Fatal) on a failure no retry can mend.
func Poll(timeout, interval time.Duration, try func() (done bool, err error)) error {
	deadline := time.Now().Add(timeout)
	for {
		done, err := try()
		if done {
			return nil
		}
		left := time.Until(deadline)
		if left <= 0 {
			if err != nil {
				return fmt.Errorf("not within %s: %w", timeout, err)
			}
			return fmt.Errorf("not within %s", timeout)
		}
		time.Sleep(min(interval, left))
	}
}

// MustPoll is Poll that fails the test, saying what it waited for.
func MustPoll(t testing.TB, what string, timeout, interval time.Duration, try func() (done bool, err error)) {
	t.Helper()
	if err := Poll(timeout, interval, try); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
