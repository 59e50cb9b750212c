package mounts

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseTargets(t *testing.T) {
	in := "proc /proc proc rw 0 0\n/dev/vda / squashfs ro 0 0\ntmpfs /mnt/with\\040space tmpfs rw 0 0\n"
	got, err := parseTargets(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/proc", "/", "/mnt/with space"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("targets = %q, want %q", got, want)
	}
}

func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`a\040b`, `\`, `\\\`, `\999`, `x\01`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if out := unescape(s); len(out) > len(s) {
			t.Errorf("unescape(%q) grew to %q", s, out)
		}
	})
}

// TestDoAndIsMountPoint mounts a real tmpfs (the test runs as root, like CI).
func TestDoAndIsMountPoint(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts a tmpfs and must run as root (CI does)")
	}
	dir := filepath.Join(t.TempDir(), "m")
	m := Mount{Source: "tmpfs", Target: dir, FSType: "tmpfs", Data: "size=1m", Mode: 0o755}
	if err := Do(m); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) })
	ok, err := IsMountPoint(dir)
	if err != nil || !ok {
		t.Fatalf("IsMountPoint(%s) = %v, %v after mounting", dir, ok, err)
	}
	parent, _ := IsMountPoint(filepath.Dir(dir))
	if parent {
		t.Errorf("temp dir %s reported as a mount point", filepath.Dir(dir))
	}
}

func TestRootRejectsNonSquashfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("this test mounts and must run as root (CI does)")
	}
	img := filepath.Join(t.TempDir(), "bad.img")
	if err := os.WriteFile(img, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Root(img, filepath.Join(t.TempDir(), "root"))
	if err == nil {
		t.Fatal("mounted a file of zeros as squashfs")
	}
	if !strings.Contains(err.Error(), "reflash") && !strings.Contains(err.Error(), img) {
		t.Errorf("error does not name the image or the fix: %v", err)
	}
}
