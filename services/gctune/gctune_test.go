package gctune

import (
	"os"
	"runtime/debug"
	"testing"
	"time"
)

// noGOGC removes GOGC from the environment for one test and restores the
// collector's goal after it.
func noGOGC(t *testing.T) {
	t.Setenv("GOGC", "") // restores the variable after the test
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
	old := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(old) })
}

// percent reads the goal without changing it.
func percent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestApplySetsPercent(t *testing.T) {
	noGOGC(t)
	if !Apply(Daemon) {
		t.Fatal("Apply did nothing without GOGC")
	}
	if got := percent(); got != Daemon {
		t.Fatalf("GC percent %d after Apply, want %d", got, Daemon)
	}
}

func TestApplyKeepsExplicitGOGC(t *testing.T) {
	t.Setenv("GOGC", "80")
	old := debug.SetGCPercent(80)
	defer debug.SetGCPercent(old)
	if Apply(Role) {
		t.Fatal("Apply overrode an explicit GOGC")
	}
	if got := percent(); got != 80 {
		t.Fatalf("GC percent %d, want the explicit 80", got)
	}
}

func TestSettleTightensOnceSettled(t *testing.T) {
	noGOGC(t)
	settled := make(chan time.Time)
	Settle(t.Context(), settled)
	if got := percent(); got != Daemon {
		t.Fatalf("GC percent %d while starting, want %d", got, Daemon)
	}
	settled <- time.Now() // unbuffered: the goroutine has taken it
	deadline := time.Now().Add(10 * time.Second)
	for percent() != Role {
		if time.Now().After(deadline) {
			t.Fatalf("GC percent %d after settling, want %d", percent(), Role)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestSettleKeepsExplicitGOGC(t *testing.T) {
	t.Setenv("GOGC", "80")
	old := debug.SetGCPercent(80)
	defer debug.SetGCPercent(old)
	settled := make(chan time.Time, 1)
	settled <- time.Now()
	Settle(t.Context(), settled)
	if got := percent(); got != 80 {
		t.Fatalf("GC percent %d, want the explicit 80", got)
	}
}
