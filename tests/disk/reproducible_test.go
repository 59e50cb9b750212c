package disk_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/tests/vm"
)

// TestImageIsReproducible builds the qemu-x86_64 image a second time from
// the same binaries and commit as the shared test image, and finds every
// artifact and the manifest byte-identical.
func TestImageIsReproducible(t *testing.T) {
	bin, err := vm.HostBinary()
	if err != nil {
		t.Fatal(err)
	}
	root, err := vm.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	epoch, err := vm.SourceDateEpoch()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	bins := filepath.Join(root, "build", "bin", "amd64")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "image", "build", "--board", "qemu-x86_64", "--cache", filepath.Join(root, "build", "cache"),
		"--out", out, "--compression", "zstd", "--source", root,
		"--binary", filepath.Join(bins, "outpost"), "--init-binary", filepath.Join(bins, "outpost-initramfs"),
		"--runtime-binary", filepath.Join(bins, "outpost-runtime"), "--shim-binary", filepath.Join(bins, "outpost-shim"))
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+epoch)
	if log, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("second build: %v\n%s", err, log)
	}
	first := filepath.Join(images, "qemu-x86_64")
	m, err := image.ReadManifest(first)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{image.ManifestFile}
	for name := range m.Artifacts {
		names = append(names, name)
	}
	for _, name := range names {
		a, err1 := os.ReadFile(filepath.Join(first, name))
		b, err2 := os.ReadFile(filepath.Join(out, name))
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v %v", name, err1, err2)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two builds of one commit", name)
		}
	}
	if len(names) < 6 {
		t.Errorf("the manifest lists only %v", names)
	}
}
