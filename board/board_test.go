package board

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	b, err := Lookup(Default)
	if err != nil {
		t.Fatalf("default board: %v", err)
	}
	if b.GoArch != "amd64" || b.Console != "ttyS0" {
		t.Errorf("default board = %+v", b)
	}
	if _, err := Lookup("qemu-arm64"); err != nil {
		t.Errorf("qemu-arm64: %v", err)
	}
}

func TestLookupUnknownNamesChoices(t *testing.T) {
	_, err := Lookup("raspberry-pi-9")
	if err == nil {
		t.Fatal("unknown board accepted")
	}
	for _, want := range []string{"raspberry-pi-9", "qemu-arm64", "qemu-x86_64"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestBoardsComplete(t *testing.T) {
	for _, b := range All() {
		if b.KernelPackage == "" || b.Console == "" || b.RootDevice == "" || len(b.RootModules) == 0 || b.QEMU.Binary == "" {
			t.Errorf("board %s is incomplete: %+v", b.Name, b)
		}
	}
}
