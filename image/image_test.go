package image

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/services/paths"
)

func TestRootSkeleton(t *testing.T) {
	dir := t.TempDir()
	bins := t.TempDir()
	full, slim, rt, shim := filepath.Join(bins, "full"), filepath.Join(bins, "slim"), filepath.Join(bins, "runtime"), filepath.Join(bins, "shim")
	os.WriteFile(full, []byte("full binary"), 0o755)
	os.WriteFile(slim, []byte("slim binary"), 0o755)
	os.WriteFile(rt, []byte("runtime binary"), 0o755)
	os.WriteFile(shim, []byte("shim binary"), 0o755)
	b, _ := board.Lookup(board.Default)
	if err := rootSkeleton(dir, Options{Board: b, Binary: full, InitBinary: slim, RuntimeBinary: rt, ShimBinary: shim}); err != nil {
		t.Fatal(err)
	}
	links := map[string]string{"sbin/init": "slim binary", "sbin/modprobe": "slim binary", "usr/bin/kubectl": "full binary", "usr/bin/outpost": "full binary",
		"usr/bin/containerd": "runtime binary", "usr/bin/containerd-shim-runc-v2": "shim binary"}
	for link, want := range links {
		got, err := os.ReadFile(filepath.Join(dir, link))
		if err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", link, got, err, want)
		}
	}
	for _, bin := range []string{paths.InitBinary, paths.RuntimeBinary, paths.ShimBinary} {
		st, err := os.Stat(filepath.Join(dir, bin))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v, %v", bin, st, err)
		}
	}
	for _, d := range []string{"proc", "sys", "dev", "run", "var", "tmp", "etc/outpost"} {
		if st, err := os.Stat(filepath.Join(dir, d)); err != nil || !st.IsDir() {
			t.Errorf("mount point %s missing", d)
		}
	}
}

func TestReadManifestChecksArtifacts(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, KernelFile), []byte("kernel"), 0o644)
	a, err := describe(filepath.Join(dir, KernelFile))
	if err != nil {
		t.Fatal(err)
	}
	m := &Manifest{Board: "qemu-x86_64", Artifacts: map[string]Artifact{KernelFile: a}}
	if err := m.Write(filepath.Join(dir, ManifestFile)); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadManifest(dir); err != nil {
		t.Fatalf("good image refused: %v", err)
	}
	os.WriteFile(filepath.Join(dir, KernelFile), []byte("kern"), 0o644)
	if _, err := ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "rebuild") {
		t.Errorf("truncated kernel: err = %v", err)
	}
	if _, err := ReadManifest(t.TempDir()); err == nil || !strings.Contains(err.Error(), "make image") {
		t.Errorf("empty folder: err = %v", err)
	}
}

func TestBuildNeedsBinaries(t *testing.T) {
	b, _ := board.Lookup(board.Default)
	_, err := Build(t.Context(), Options{Board: b, Out: t.TempDir(), Cache: t.TempDir(), Binary: "/nonexistent/outpost"})
	if err == nil || !strings.Contains(err.Error(), "binary") {
		t.Errorf("err = %v", err)
	}
}
