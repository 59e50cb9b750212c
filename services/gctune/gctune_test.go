package gctune

import (
	"os"
	"runtime/debug"
	"testing"
)

func TestApplySetsPercent(t *testing.T) {
	t.Setenv("GOGC", "")
	// t.Setenv cannot unset; LookupEnv must see GOGC absent.
	unsetenv(t, "GOGC")
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	if !Apply() {
		t.Fatal("Apply did nothing without GOGC")
	}
	if got := debug.SetGCPercent(100); got != Percent {
		t.Fatalf("GC percent %d after Apply, want %d", got, Percent)
	}
}

func TestApplyKeepsExplicitGOGC(t *testing.T) {
	t.Setenv("GOGC", "80")
	old := debug.SetGCPercent(80)
	defer debug.SetGCPercent(old)
	if Apply() {
		t.Fatal("Apply overrode an explicit GOGC")
	}
	if got := debug.SetGCPercent(80); got != 80 {
		t.Fatalf("GC percent %d, want the explicit 80", got)
	}
}

func unsetenv(t *testing.T, key string) {
	t.Helper()
	if err := os.Unsetenv(key); err != nil {
		t.Fatal(err)
	}
}
