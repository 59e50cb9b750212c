package gpt

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const mib = 1 << 20

func sample() Table {
	return Table{UUID: "5d7a1f5e-0b0e-4c9b-9a53-3f1c2a9d8e70", Size: 64 * mib, Partitions: []Partition{
		{Number: 1, Name: "outpost-esp", Type: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B", UUID: "11111111-2222-4333-8444-555555555555", Start: 1 * mib, Size: 16 * mib},
		{Number: 2, Name: "outpost-state", Type: "4D21B016-B534-45C2-A9FB-5C16E091FD2D", UUID: "66666666-7777-4888-9999-aaaaaaaaaaaa", Start: 17 * mib, Size: 46 * mib},
	}}
}

func image(t *testing.T, tab Table, size int64) *os.File {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "disk.img"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	if err := f.Truncate(tab.Size); err != nil {
		t.Fatal(err)
	}
	if err := Write(f, tab); err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return f
}

func sgdiskVerify(t *testing.T, path string) {
	t.Helper()
	out, err := exec.Command("sgdisk", "-v", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No problems found") {
		t.Errorf("sgdisk -v %s: %v\n%s", path, err, out)
	}
}

func TestWriteRead(t *testing.T) {
	tab := sample()
	f := image(t, tab, tab.Size)
	got, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if got.UUID != tab.UUID || len(got.Partitions) != 2 || got.Partitions[1] != tab.Partitions[1] {
		t.Errorf("read back %+v, want %+v", got, tab)
	}
	if _, err := got.Find("outpost-root-z"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Find of a missing name: %v", err)
	}
	sgdiskVerify(t, f.Name())
}

func TestGrowToDiskEnd(t *testing.T) {
	tab := sample()
	f := image(t, tab, 200*mib+12345)
	g, err := Grow(f, 200*mib+12345, "outpost-state", mib)
	if err != nil {
		t.Fatal(err)
	}
	if !g.Grown() || g.After.End() != 199*mib || g.Before.Size != 46*mib {
		t.Fatalf("growth %+v: want the state partition to end at 199 MiB", g)
	}
	got, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := got.Find("outpost-state"); p != g.After {
		t.Errorf("table after growth has %+v, Grow said %+v", p, g.After)
	}
	if p, _ := got.Find("outpost-esp"); p != tab.Partitions[0] {
		t.Errorf("the ESP moved: %+v", p)
	}
	sgdiskVerify(t, f.Name())
	// A second boot finds nothing to do.
	again, err := Grow(f, 200*mib+12345, "outpost-state", mib)
	if err != nil || again.Grown() {
		t.Errorf("second Grow: %+v, %v", again, err)
	}
}

func TestGrowRefusesSmallerDisk(t *testing.T) {
	tab := sample()
	f := image(t, tab, 40*mib)
	before, _ := os.ReadFile(f.Name())
	_, err := Grow(f, 40*mib, "outpost-state", mib)
	var small *ErrTooSmall
	if !errors.As(err, &small) || small.Partition.Name != "outpost-state" || !strings.Contains(err.Error(), "smaller than the image") {
		t.Fatalf("Grow on a disk smaller than its table: %v", err)
	}
	after, _ := os.ReadFile(f.Name())
	if string(before) != string(after) {
		t.Error("Grow wrote to a disk it refused")
	}
}

func TestGrowOnlyTheLast(t *testing.T) {
	tab := sample()
	f := image(t, tab, 100*mib)
	if _, err := Grow(f, 100*mib, "outpost-esp", mib); err == nil || !strings.Contains(err.Error(), "not the last") {
		t.Errorf("growing the ESP: %v", err)
	}
}
