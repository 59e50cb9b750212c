package squashfs

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteIsReproducibleAndReadable(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "usr/bin"), 0o755)
	os.WriteFile(filepath.Join(src, "usr/bin/outpost"), []byte("binary"), 0o755)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.squashfs"), filepath.Join(dir, "b.squashfs")
	for _, dst := range []string{a, b} {
		if err := Write(context.Background(), src, dst, "zstd", time.Unix(1767225600, 0)); err != nil {
			t.Fatal(err)
		}
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two builds of the same tree differ")
	}
	out, err := exec.Command("unsquashfs", "-lls", a).CombinedOutput()
	if err != nil {
		t.Fatalf("unsquashfs: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "root/root") || !strings.Contains(string(out), "usr/bin/outpost") {
		t.Errorf("listing:\n%s", out)
	}
}

func TestBadCompression(t *testing.T) {
	err := Write(context.Background(), t.TempDir(), filepath.Join(t.TempDir(), "x"), "brotli", time.Time{})
	if err == nil || !strings.Contains(err.Error(), "brotli") {
		t.Errorf("err = %v", err)
	}
}
