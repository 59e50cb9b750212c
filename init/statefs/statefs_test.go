package statefs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/init/blockdev"
)

// newFS makes an ext4 file system in a file, as the image's state
// template is made.
func newFS(t *testing.T, size string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "state.img")
	out, err := exec.Command("mkfs.ext4", "-q", "-F", "-b", "4096", "-L", "outpost-state", p, size).CombinedOutput()
	if err != nil {
		t.Fatalf("mkfs.ext4 (make deps installs e2fsprogs): %v: %s", err, out)
	}
	return p
}

func device(path string) blockdev.Device {
	return blockdev.Device{Name: "vda4", Disk: "vda", Label: "outpost-state", Node: path}
}

func options(console *bytes.Buffer) Options {
	return Options{Console: console, E2fsck: "e2fsck"}
}

func TestCheckClean(t *testing.T) {
	var console bytes.Buffer
	p := newFS(t, "64M")
	if err := check(context.Background(), options(&console), device(p)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console.String(), "outpost: state: checked "+p+" (outpost-state): clean") {
		t.Errorf("console: %q", console.String())
	}
}

// TestCheckRepairs breaks the file system so that preening stops and
// the full repair (-y) is needed, as after a power cut at a bad moment.
func TestCheckRepairs(t *testing.T) {
	p := newFS(t, "64M")
	for _, cmd := range []string{"unlink lost+found", "ssv state 3"} {
		if out, err := exec.Command("debugfs", "-w", "-R", cmd, p).CombinedOutput(); err != nil {
			t.Fatalf("debugfs %s: %v: %s", cmd, err, out)
		}
	}
	var console bytes.Buffer
	if err := check(context.Background(), options(&console), device(p)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"needs more than a routine check; repairing it (e2fsck -y)", "(outpost-state): repaired"} {
		if !strings.Contains(console.String(), want) {
			t.Errorf("console lacks %q: %q", want, console.String())
		}
	}
	if out, err := exec.Command("e2fsck", "-fn", p).CombinedOutput(); err != nil {
		t.Errorf("file system not clean after the check: %v\n%s", err, out)
	}
}

// TestCheckUnrepairable destroys every superblock: e2fsck gives up, the
// error says what to do, and the bytes on the partition stay as they were.
func TestCheckUnrepairable(t *testing.T) {
	p := newFS(t, "64M")
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := bytes.Repeat([]byte("corrupt!"), 512)
	for _, block := range []int64{0, 32768} { // the primary superblock and the first backup
		f.WriteAt(junk, block*4096)
	}
	f.Close()
	before, _ := os.ReadFile(p)
	var console bytes.Buffer
	err = check(context.Background(), options(&console), device(p))
	var bad *Unrepairable
	if !errors.As(err, &bad) {
		t.Fatalf("check of a destroyed file system: %v\nconsole: %s", err, console.String())
	}
	for _, want := range []string{p + " (outpost-state)", "Bad magic number", "Nothing was erased", "outpost.wipe=state"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
	after, _ := os.ReadFile(p)
	if !bytes.Equal(before, after) {
		t.Error("the check changed a file system it could not repair")
	}
}

func TestWipeRestoresTemplate(t *testing.T) {
	template := newFS(t, "32M")
	gz := filepath.Join(t.TempDir(), "state.img.gz")
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	data, _ := os.ReadFile(template)
	zw.Write(data)
	zw.Close()
	os.WriteFile(gz, buf.Bytes(), 0o644)

	target := filepath.Join(t.TempDir(), "part")
	os.WriteFile(target, bytes.Repeat([]byte{0xAB}, 48<<20), 0o644)
	dev := device(target)
	dev.Size = 48 << 20
	var console bytes.Buffer
	o := options(&console)
	o.Template = gz
	if err := wipe(o, dev); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("e2fsck", "-fn", target).CombinedOutput(); err != nil {
		t.Errorf("wiped partition does not hold a clean file system: %v\n%s", err, out)
	}
	f, _ := os.Open(target)
	defer f.Close()
	sb, err := ReadSuperblock(f)
	if err != nil || sb.BlockSize != 4096 || sb.Bytes() != 32<<20 {
		t.Errorf("superblock after wipe: %+v, %v", sb, err)
	}
	small := device(target)
	small.Size = 16 << 20
	if err := wipe(o, small); err == nil {
		t.Error("wiped a partition smaller than the template")
	}
}

func TestReadSuperblockRejectsOther(t *testing.T) {
	if _, err := ReadSuperblock(bytes.NewReader(make([]byte, 4096))); err == nil {
		t.Error("zeros read as ext4")
	}
}

func FuzzReadSuperblock(f *testing.F) {
	f.Add(make([]byte, 2048))
	f.Fuzz(func(t *testing.T, b []byte) {
		sb, err := ReadSuperblock(bytes.NewReader(b))
		if err == nil && (sb.BlockSize < 1024 || sb.BlockSize > 65536) {
			t.Errorf("block size %d accepted", sb.BlockSize)
		}
	})
}
