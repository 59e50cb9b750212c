package slots

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestEntryNames(t *testing.T) {
	for name, want := range map[string]Entry{
		"outpost-1-a.conf":      {Gen: 1, Slot: "a", Left: -1},
		"outpost-2-b+3.conf":    {Gen: 2, Slot: "b", Left: 3},
		"outpost-2-b+2-1.conf":  {Gen: 2, Slot: "b", Left: 2, Done: 1},
		"outpost-12-a+0-3.conf": {Gen: 12, Slot: "a", Left: 0, Done: 3},
	} {
		got, ok := ParseName(name)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("ParseName(%q) = %+v, %v; want %+v", name, got, ok, want)
		}
		if got.FileName() != name {
			t.Errorf("FileName of %q = %q", name, got.FileName())
		}
	}
	for _, name := range []string{"outpost-a.conf", "outpost-1-c.conf", "other.conf", "outpost-1-a+x.conf", "outpost-1-a", ".outpost-1-a.conf.tmp-1", "outpost--a.conf", "outpost-1-a+-1.conf"} {
		if e, ok := ParseName(name); ok {
			t.Errorf("ParseName(%q) = %+v, want not an entry", name, e)
		}
	}
}

func TestSortIsSystemdBootsOrder(t *testing.T) {
	es := []Entry{{Gen: 1, Slot: "a", Left: -1}, {Gen: 3, Slot: "a", Left: 0, Done: 3}, {Gen: 2, Slot: "b", Left: 2, Done: 1}}
	Sort(es)
	var got []string
	for _, e := range es {
		got = append(got, e.FileName())
	}
	want := []string{"outpost-2-b+2-1.conf", "outpost-1-a.conf", "outpost-3-a+0-3.conf"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestDescribe(t *testing.T) {
	for e, want := range map[*Entry]string{
		{Slot: "b", Version: "v2", Left: 2, Done: 1}: "slot b (v2), try 1 of 3",
		{Slot: "b", Version: "v2", Left: 3}:          "slot b (v2), 3 tries",
		{Slot: "a", Version: "v1", Left: -1}:         "slot a (v1)",
		{Slot: "b", Version: "v3", Left: 0, Done: 3}: "slot b (v3), failed after 3 tries",
		{Slot: "b", Version: "v3", Left: 0, Done: 1}: "slot b (v3), failed after 1 try",
	} {
		if got := e.Describe(); got != want {
			t.Errorf("Describe = %q, want %q", got, want)
		}
	}
	// The booted entry on its last try is a try in progress, not a failure.
	last := Entry{Slot: "b", Version: "v3", Left: 0, Done: 1}
	if got := last.DescribeTry(); got != "slot b (v3), try 1 of 1" || !last.Counts() {
		t.Errorf("DescribeTry = %q", got)
	}
}

// fixture is a disk as files: an ESP folder with slot A's entry, and slot
// B's root partition as a file of a fixed size.
type fixture struct {
	esp     ESP
	root    string
	running Entry
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	f := fixture{esp: ESP{Dir: filepath.Join(dir, "esp")}, root: filepath.Join(dir, "root-b")}
	if err := os.MkdirAll(f.esp.path(EntriesDir), 0o755); err != nil {
		t.Fatal(err)
	}
	f.running = Entry{Gen: 1, Slot: "a", Left: -1, Version: "v1", Options: []string{"root=PARTLABEL=outpost-root-a", "console=ttyS0", "panic=10"}}
	if err := f.esp.write(f.running); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.root, bytes.Repeat([]byte{0xee}, 1<<16), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f fixture) target() Target {
	return Target{ESP: f.esp, Slot: "b", Root: f.root, Board: "qemu-x86_64", Arch: "amd64"}
}

// writeImage makes an image folder with a manifest that matches its files.
func writeImage(t *testing.T, version string, files map[string]string) Image {
	t.Helper()
	dir := t.TempDir()
	m := Manifest{Version: version, Board: "qemu-x86_64", Arch: "amd64", Artifacts: map[string]Artifact{}}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		m.Artifacts[name] = Artifact{Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:])}
	}
	data, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), data, 0o644); err != nil {
		t.Fatal(err)
	}
	im, err := ReadImage(dir)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

func goodFiles() map[string]string {
	return map[string]string{KernelFile: "kernel v2", InitrdFile: "initrd v2", RootFile: "squashfs v2"}
}

func TestInstallWritesTheOtherSlotAndAnEntryWithTries(t *testing.T) {
	f := newFixture(t)
	im := writeImage(t, "v2", goodFiles())
	e, err := Install(context.Background(), im, f.target(), f.running, 3)
	if err != nil {
		t.Fatal(err)
	}
	if e.FileName() != "outpost-2-b+3.conf" {
		t.Errorf("new entry %s, want outpost-2-b+3.conf", e.FileName())
	}
	es, err := f.esp.Entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].FileName() != "outpost-2-b+3.conf" || es[1].FileName() != "outpost-1-a.conf" {
		t.Fatalf("entries %+v: want the new one first, then the running one", es)
	}
	if got := strings.Join(es[0].Options, " "); got != "root=PARTLABEL=outpost-root-b console=ttyS0 panic=10" {
		t.Errorf("new entry's options %q", got)
	}
	if es[0].Version != "v2" {
		t.Errorf("new entry's version %q", es[0].Version)
	}
	for path, want := range map[string]string{KernelPath("b"): "kernel v2", InitrdPath("b"): "initrd v2"} {
		if got, _ := os.ReadFile(f.esp.path(path)); string(got) != want {
			t.Errorf("%s = %q, want %q", path, got, want)
		}
	}
	root, _ := os.ReadFile(f.root)
	if !bytes.HasPrefix(root, []byte("squashfs v2")) || len(root) != 1<<16 {
		t.Errorf("slot B's partition does not start with the root image (or changed size: %d)", len(root))
	}
}

func TestInstallReplacesTheOtherSlotsOldEntry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := Install(ctx, writeImage(t, "v2", goodFiles()), f.target(), f.running, 3); err != nil {
		t.Fatal(err)
	}
	es, _ := f.esp.Entries()
	if _, err := f.esp.Fail(es[0]); err != nil {
		t.Fatal(err)
	}
	e, err := Install(ctx, writeImage(t, "v3", goodFiles()), f.target(), f.running, 2)
	if err != nil {
		t.Fatal(err)
	}
	es, _ = f.esp.Entries()
	if len(es) != 2 || es[0].FileName() != "outpost-3-b+2.conf" || e.FileName() != es[0].FileName() {
		t.Errorf("entries %+v, want outpost-3-b+2.conf and the running one", es)
	}
}

// untouched fails unless the ESP and slot B are as newFixture left them.
func (f fixture) untouched(t *testing.T) {
	t.Helper()
	es, err := f.esp.Entries()
	if err != nil || len(es) != 1 || es[0].FileName() != "outpost-1-a.conf" {
		t.Errorf("entries %+v (%v), want only the running one", es, err)
	}
	root, _ := os.ReadFile(f.root)
	if !bytes.Equal(root, bytes.Repeat([]byte{0xee}, 1<<16)) {
		t.Error("slot B's partition was written")
	}
	if _, err := os.Stat(f.esp.path(KernelPath("b"))); err == nil {
		t.Error("slot B's kernel was written")
	}
}

func TestInstallRefusesBeforeTouchingAnything(t *testing.T) {
	ctx := context.Background()
	cases := map[string]func(t *testing.T, f *fixture) (Image, Target, error){
		"a file that does not match the manifest": func(t *testing.T, f *fixture) (Image, Target, error) {
			im := writeImage(t, "v2", goodFiles())
			os.WriteFile(filepath.Join(im.Dir, RootFile), []byte("squashfs v9"), 0o644)
			return im, f.target(), nil
		},
		"another board": func(t *testing.T, f *fixture) (Image, Target, error) {
			tg := f.target()
			tg.Board = "metal-x86_64"
			return writeImage(t, "v2", goodFiles()), tg, nil
		},
		"another architecture": func(t *testing.T, f *fixture) (Image, Target, error) {
			tg := f.target()
			tg.Arch = "arm64"
			return writeImage(t, "v2", goodFiles()), tg, nil
		},
		"a root image larger than the slot": func(t *testing.T, f *fixture) (Image, Target, error) {
			files := goodFiles()
			files[RootFile] = strings.Repeat("x", 1<<17)
			return writeImage(t, "v2", files), f.target(), nil
		},
		"a missing file": func(t *testing.T, f *fixture) (Image, Target, error) {
			files := goodFiles()
			delete(files, InitrdFile)
			return writeImage(t, "v2", files), f.target(), nil
		},
		"the running slot": func(t *testing.T, f *fixture) (Image, Target, error) {
			tg := f.target()
			tg.Slot = "a"
			return writeImage(t, "v2", goodFiles()), tg, nil
		},
		"a running slot on trial": func(t *testing.T, f *fixture) (Image, Target, error) {
			f.running.Left, f.running.Done = 2, 1
			return writeImage(t, "v2", goodFiles()), f.target(), nil
		},
	}
	for name, setup := range cases {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			im, tg, _ := setup(t, &f)
			if _, err := Install(ctx, im, tg, f.running, 3); err == nil {
				t.Fatal("installed")
			} else {
				t.Log(err)
			}
			f.untouched(t)
		})
	}
}

func TestBlessAndFail(t *testing.T) {
	f := newFixture(t)
	e, err := Install(context.Background(), writeImage(t, "v2", goodFiles()), f.target(), f.running, 3)
	if err != nil {
		t.Fatal(err)
	}
	// The boot loader counts a try.
	tried := e
	tried.Left, tried.Done = 2, 1
	if err := f.esp.rename(e, tried); err != nil {
		t.Fatal(err)
	}
	good, err := f.esp.Bless(tried)
	if err != nil || good.FileName() != "outpost-2-b.conf" {
		t.Fatalf("Bless = %s, %v", good.FileName(), err)
	}
	bad, err := f.esp.Fail(good)
	if err != nil || bad.FileName() != "outpost-2-b+0.conf" {
		t.Fatalf("Fail = %s, %v", bad.FileName(), err)
	}
	es, _ := f.esp.Entries()
	if es[0].FileName() != "outpost-1-a.conf" {
		t.Errorf("after Fail the boot loader would boot %s first", es[0].FileName())
	}
}

func TestReadBooted(t *testing.T) {
	dir := t.TempDir()
	if b, err := ReadBooted(dir); err != nil || b.OK || b.Loader != "" {
		t.Errorf("no variables: %+v, %v", b, err)
	}
	put := func(name, value string) {
		if err := os.WriteFile(filepath.Join(dir, VarFile(name)), EncodeVar(value), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("LoaderInfo", "systemd-boot 252.39-1~deb12u1")
	put("LoaderEntrySelected", "outpost-1-a.conf")
	b, err := ReadBooted(dir)
	if err != nil || !b.OK || b.Entry.FileName() != "outpost-1-a.conf" || b.Loader != "systemd-boot 252.39-1~deb12u1" {
		t.Errorf("selected entry: %+v, %v", b, err)
	}
	put("LoaderBootCountPath", `\loader\entries\outpost-2-b+2-1.conf`)
	b, err = ReadBooted(dir)
	if err != nil || !b.OK || b.Entry.FileName() != "outpost-2-b+2-1.conf" {
		t.Errorf("counted entry: %+v, %v", b, err)
	}
	os.WriteFile(filepath.Join(dir, VarFile("LoaderBootCountPath")), []byte{1, 2, 3}, 0o644)
	if _, err := ReadBooted(dir); err == nil {
		t.Error("a 3-byte variable was read")
	}
}

func TestStatusOfARollback(t *testing.T) {
	es := []Entry{{Gen: 1, Slot: "a", Left: -1, Version: "v1"}, {Gen: 2, Slot: "b", Left: 0, Done: 3, Version: "v2"}}
	s := StatusOf(es, Entry{Gen: 1, Slot: "a", Left: -1})
	if !s.RolledBack || s.Booted.Version != "v1" || s.Other == nil || s.Other.Version != "v2" {
		t.Errorf("status %+v", s)
	}
	if got := s.Summary(); got != "booted slot a (v1); the other slot has v2, failed" {
		t.Errorf("summary %q", got)
	}
	// Once marked good the ESP says so, while the variable keeps the counter.
	es = []Entry{{Gen: 2, Slot: "b", Left: -1, Version: "v2"}, {Gen: 1, Slot: "a", Left: -1, Version: "v1"}}
	s = StatusOf(es, Entry{Gen: 2, Slot: "b", Left: 2, Done: 1})
	if s.RolledBack || s.Booted.State() != StateGood {
		t.Errorf("status %+v", s)
	}
}

func FuzzParseName(f *testing.F) {
	for _, s := range []string{"outpost-1-a.conf", "outpost-2-b+2-1.conf", "outpost-3-a+0-3.conf", "x.conf", "outpost-999999-b+999999-999999.conf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		e, ok := ParseName(name)
		if !ok {
			return
		}
		if e.FileName() != name {
			// Leading zeros are the only way two names mean one entry.
			again, ok := ParseName(e.FileName())
			if !ok || !reflect.DeepEqual(again, e) {
				t.Fatalf("%q parsed as %+v, which names %q", name, e, e.FileName())
			}
		}
	})
}

func FuzzDecodeUTF16(f *testing.F) {
	f.Add(EncodeVar(`\loader\entries\outpost-2-b+2-1.conf`)[4:])
	f.Fuzz(func(t *testing.T, b []byte) {
		s := DecodeUTF16(b)
		if strings.ContainsRune(s, 0) {
			t.Fatalf("decoded a NUL: %q", s)
		}
	})
}
