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
	if b.GoArch != "amd64" || strings.Join(b.KernelArgs(), " ") != "console=ttyS0 panic=10" {
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
		if b.KernelPackage == "" || b.RootDevice == "" || len(b.RootModules) == 0 || b.QEMU.Binary == "" || b.EFI.Arch == "" ||
			b.QEMU.DiskDevice == "" || b.QEMU.Firmware.Code == "" {
			t.Errorf("board %s is incomplete: %+v", b.Name, b)
		}
	}
}

func TestDiskLayout(t *testing.T) {
	for _, b := range All() {
		parts, err := b.DiskLayout()
		if err != nil {
			t.Fatal(err)
		}
		names := []string{}
		for _, p := range parts {
			names = append(names, p.Name)
			if p.Size%DiskAlign != 0 {
				t.Errorf("%s: %s is not a whole number of MiB", b.Name, p.Name)
			}
		}
		// The state partition must be last: it grows to the disk's end.
		if strings.Join(names, " ") != "outpost-esp outpost-root-a outpost-root-b outpost-state" {
			t.Errorf("%s: partitions %v", b.Name, names)
		}
		root, _ := b.RootType()
		if (b.GoArch == "amd64") != (root == TypeRootX8664) {
			t.Errorf("%s (%s): root type %s", b.Name, b.GoArch, root)
		}
	}
}
