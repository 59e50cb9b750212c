package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteReplacesWithMode(t *testing.T) {
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(p, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(p); string(b) != "new" {
		t.Errorf("content = %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".token.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFailureLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("keep"), 0o644)
	// a folder in place of the file: rename fails, the folder stays
	target := filepath.Join(dir, "sub")
	os.MkdirAll(filepath.Join(target, "x"), 0o755)
	if err := Write(target, []byte("x"), 0o644); err == nil {
		t.Fatal("replaced a non-empty folder")
	}
	if b, _ := os.ReadFile(p); string(b) != "keep" {
		t.Error("unrelated file changed")
	}
	if st, err := os.Stat(target); err != nil || !st.IsDir() {
		t.Error("folder lost")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".sub.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
