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

func TestCreateStreamsThenCommits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "disk.img")
	os.WriteFile(p, []byte("old"), 0o600)
	f, err := Create(p, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	for range 3 {
		if _, err := f.WriteString("chunk "); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "old" {
		t.Errorf("replaced before Commit: %q", b)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	f.Abort() // no-op after Commit
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o644 {
		t.Fatalf("mode = %v, %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(p); string(b) != "chunk chunk chunk " {
		t.Errorf("content = %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(p), ".disk.img.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// A program given the temporary file's name may replace it (go build
// renames its output into place): Commit takes what is at the name.
func TestCommitTakesWhatIsAtTheName(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bin")
	f, err := Create(p, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	f.Close()
	os.Remove(f.Name())
	if err := os.WriteFile(f.Name(), []byte("built"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.Commit(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(p)
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("mode = %v, %v", st.Mode(), err)
	}
	if b, _ := os.ReadFile(p); string(b) != "built" {
		t.Errorf("content = %q", b)
	}
}

func TestAbortLeavesOldFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "seed.img")
	os.WriteFile(p, []byte("keep"), 0o600)
	f, err := Create(p, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("half")
	f.Abort()
	if b, _ := os.ReadFile(p); string(b) != "keep" {
		t.Errorf("content = %q", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".seed.img.tmp-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
	if _, err := Create(filepath.Join(dir, "missing", "f"), 0o600); err == nil {
		t.Error("created a file in a folder that does not exist")
	}
}
