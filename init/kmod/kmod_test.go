package kmod

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTree writes a module tree with a modules.dep where b needs a, so a
// dry run shows the order the modules would load in.
func fakeTree(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "lib/modules/9.9.9-test")
	for _, f := range []string{"kernel/a.ko", "kernel/b.ko.xz", "kernel/c.ko.zst"} {
		p := filepath.Join(dir, f)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("not really a module"), 0o644)
	}
	dep := "kernel/a.ko:\nkernel/b.ko.xz: kernel/a.ko\nkernel/c.ko.zst: kernel/b.ko.xz kernel/a.ko\n"
	os.WriteFile(filepath.Join(dir, "modules.dep"), []byte(dep), 0o644)
	return root
}

func TestMissingModulesDep(t *testing.T) {
	_, err := NewLoader(t.TempDir(), "9.9.9-none")
	if err == nil || !strings.Contains(err.Error(), "rebuild the image") {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownModuleNamed(t *testing.T) {
	l, err := NewLoader(fakeTree(t), "9.9.9-test")
	if err != nil {
		t.Fatal(err)
	}
	err = l.Load([]string{"nosuchmod"})
	if err == nil || !strings.Contains(err.Error(), "module nosuchmod") {
		t.Fatalf("err = %v", err)
	}
}

func TestBadModuleRefusedWithReason(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("loading a module needs root (CI runs as root)")
	}
	l, err := NewLoader(fakeTree(t), "9.9.9-test")
	if err != nil {
		t.Fatal(err)
	}
	// a.ko is not an ELF module: the kernel refuses it, and the error
	// says which module and what to do.
	err = l.Load([]string{"a"})
	if err == nil || !strings.Contains(err.Error(), "module a") {
		t.Fatalf("err = %v", err)
	}
}
