package bootslot

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/slots"
)

// box is a node's ESP, efivars, run and state folders as plain folders.
type box struct {
	o       Options
	espDir  string
	console *bytes.Buffer
}

func newBox(t *testing.T, entries ...string) *box {
	t.Helper()
	dir := t.TempDir()
	b := &box{espDir: filepath.Join(dir, "esp"), console: &bytes.Buffer{}}
	b.o = Options{Console: b.console, EFIVars: filepath.Join(dir, "efivars"), BootDir: filepath.Join(dir, "run"), Tries: filepath.Join(dir, "state")}
	b.o.ESP = func(f func(slots.ESP) error) error { return f(slots.ESP{Dir: b.espDir}) }
	for _, d := range []string{filepath.Join(b.espDir, "loader/entries"), b.o.EFIVars} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range entries {
		e, _ := slots.ParseName(name)
		e.Version = map[string]string{"a": "v1", "b": "v2"}[e.Slot]
		if err := os.WriteFile(filepath.Join(b.espDir, "loader/entries", name), []byte(e.Content()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b.setVar("LoaderInfo", "systemd-boot 252")
	return b
}

func (b *box) setVar(name, value string) {
	os.WriteFile(filepath.Join(b.o.EFIVars, slots.VarFile(name)), slots.EncodeVar(value), 0o644)
}

// boot is the boot loader starting an entry: it renames a counting one.
func (b *box) boot(t *testing.T, from, to string) *Boot {
	t.Helper()
	if from != to {
		if err := os.Rename(filepath.Join(b.espDir, "loader/entries", from), filepath.Join(b.espDir, "loader/entries", to)); err != nil {
			t.Fatal(err)
		}
	}
	os.Remove(filepath.Join(b.o.EFIVars, slots.VarFile("LoaderBootCountPath")))
	if strings.Contains(to, "+") {
		b.setVar("LoaderBootCountPath", `\loader\entries\`+to)
	}
	b.setVar("LoaderEntrySelected", strings.Split(strings.TrimSuffix(to, ".conf"), "+")[0]+".conf")
	os.RemoveAll(b.o.BootDir)
	boot, err := Start(b.o)
	if err != nil {
		t.Fatal(err)
	}
	return boot
}

func (b *box) entries(t *testing.T) []string {
	t.Helper()
	es, err := slots.ESP{Dir: b.espDir}.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.FileName())
	}
	return out
}

func TestTrialBootMarkedGoodOnceHealthy(t *testing.T) {
	b := newBox(t, "outpost-1-a.conf", "outpost-2-b+3.conf")
	boot := b.boot(t, "outpost-2-b+3.conf", "outpost-2-b+2-1.conf")
	if !boot.Trial() {
		t.Fatal("a counting entry's boot is not a trial")
	}
	if !strings.Contains(b.console.String(), "booted slot b (v2), try 1 of 3") {
		t.Errorf("console:\n%s", b.console)
	}
	os.WriteFile(filepath.Join(b.o.BootDir, slots.HealthyFile), nil, 0o644)
	rebooted := false
	boot.Await(context.Background(), time.Now(), fixed(time.Minute), func() { rebooted = true })
	if rebooted {
		t.Fatal("a healthy trial rebooted")
	}
	if got := b.entries(t); strings.Join(got, " ") != "outpost-2-b.conf outpost-1-a.conf" {
		t.Errorf("entries after the healthy boot: %v", got)
	}
	r, err := slots.ReadReport(b.o.BootDir)
	if err != nil || r.Upgrade != slots.UpgradeSucceeded || r.Slot != "b" || r.Slots["b"] != "v2 good" || r.Slots["a"] != "v1 good" {
		t.Errorf("status %+v, %v", r, err)
	}
}

func TestTrialBootMissingItsDeadlineRebootsThenRollsBack(t *testing.T) {
	b := newBox(t, "outpost-1-a.conf", "outpost-2-b+2.conf")
	boot := b.boot(t, "outpost-2-b+2.conf", "outpost-2-b+1-1.conf")
	if r, _ := slots.ReadReport(b.o.BootDir); r.Upgrade != slots.UpgradeTrial || r.Try != 1 || r.Tries != 2 {
		t.Errorf("trial status %+v", r)
	}
	rebooted := false
	boot.Await(context.Background(), time.Now(), fixed(50*time.Millisecond), func() { rebooted = true })
	if !rebooted {
		t.Fatal("a trial past its deadline did not reboot")
	}
	if !strings.Contains(b.console.String(), "not healthy within 50ms (boot_deadline): rebooting for try 2 of 2") {
		t.Errorf("console:\n%s", b.console)
	}
	// Try 2 panics before stage 2: nothing is recorded. The boot loader
	// renames the entry to +0-2 and, next time, boots slot A.
	os.Rename(filepath.Join(b.espDir, "loader/entries/outpost-2-b+1-1.conf"), filepath.Join(b.espDir, "loader/entries/outpost-2-b+0-2.conf"))
	b.console.Reset()
	back := b.boot(t, "outpost-1-a.conf", "outpost-1-a.conf")
	if back.Trial() {
		t.Error("the fallback boot is a trial")
	}
	want := "ROLLBACK: slot b (v2) used its 2 tries without becoming a healthy node (try 1: not a healthy node within 50ms; try 2: never reached stage 2"
	if !strings.Contains(b.console.String(), want) {
		t.Errorf("console:\n%s\nwant %q", b.console, want)
	}
	r, err := slots.ReadReport(b.o.BootDir)
	if err != nil || r.Upgrade != slots.UpgradeRolledBack || r.Slot != "a" || !strings.Contains(r.Message, "try 2: never reached stage 2") || r.Slots["b"] != "v2 failed" {
		t.Errorf("status %+v, %v", r, err)
	}
	a := r.Annotations()
	if a[slots.AnnotationUpgrade] != "rolled-back" || a[slots.AnnotationSlot] != "a" || a["outpost.io/slot-b"] != "v2 failed" {
		t.Errorf("annotations %v", a)
	}
}

func TestLastTryIsATrial(t *testing.T) {
	b := newBox(t, "outpost-1-a.conf", "outpost-2-b+1.conf")
	boot := b.boot(t, "outpost-2-b+1.conf", "outpost-2-b+0-1.conf")
	if !boot.Trial() {
		t.Fatal("the last try is not a trial")
	}
	rebooted := false
	boot.Await(context.Background(), time.Now(), fixed(20*time.Millisecond), func() { rebooted = true })
	want := "slot b (v2), try 1 of 1: the node was not healthy within 20ms (boot_deadline): rebooting; its tries are spent, the box goes back to slot a (v1)"
	if !rebooted || !strings.Contains(b.console.String(), want) {
		t.Errorf("rebooted %v, console:\n%s\nwant %q", rebooted, b.console, want)
	}
	if r, _ := slots.ReadReport(b.o.BootDir); r.Upgrade != slots.UpgradeTrial || r.Slots["b"] != "v2 trial" {
		t.Errorf("report %+v", r)
	}
}

func TestDirectKernelBootHasNoSlots(t *testing.T) {
	b := newBox(t)
	os.RemoveAll(b.o.EFIVars)
	boot, err := Start(b.o)
	if err != nil || boot != nil || boot.Trial() {
		t.Fatalf("Start = %v, %v", boot, err)
	}
	if !strings.Contains(b.console.String(), "no boot counting") {
		t.Errorf("console:\n%s", b.console)
	}
}

func fixed(d time.Duration) func() time.Duration { return func() time.Duration { return d } }

// The ESP cannot be mounted: the boot loader's variable still makes the
// boot a trial, and its deadline holds.
func TestTrialWithoutTheESPStillHasItsDeadline(t *testing.T) {
	b := newBox(t, "outpost-1-a.conf", "outpost-2-b+3.conf")
	b.o.ESP = func(func(slots.ESP) error) error { return errors.New("mount the ESP: no vfat") }
	boot := b.boot(t, "outpost-2-b+3.conf", "outpost-2-b+2-1.conf")
	if !boot.Trial() {
		t.Fatal("not a trial")
	}
	rebooted := false
	boot.Await(context.Background(), time.Now(), fixed(10*time.Millisecond), func() { rebooted = true })
	if !rebooted || !strings.Contains(b.console.String(), "no vfat") {
		t.Errorf("rebooted %v, console:\n%s", rebooted, b.console)
	}
}
