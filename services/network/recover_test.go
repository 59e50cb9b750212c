package network

import (
	"errors"
	"strings"
	"testing"
)

func TestRecoveredTurnsPanicIntoError(t *testing.T) {
	err := recovered("DHCP on eth0", func() error { panic("index out of range") })
	if err == nil || !strings.Contains(err.Error(), "DHCP on eth0 panicked") || !strings.Contains(err.Error(), "index out of range") {
		t.Fatalf("err = %v", err)
	}
	if !strings.Contains(err.Error(), "recover_test.go") {
		t.Errorf("the error should carry the stack: %v", err)
	}
	want := errors.New("plain")
	if err := recovered("x", func() error { return want }); err != want {
		t.Errorf("a plain error must pass through: %v", err)
	}
}
