package stage2

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKeepPreviousLogs(t *testing.T) {
	dir := t.TempDir()
	write := func(p, s string) {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(dir, PreviousLogs, "server.log"), "two boots ago")
	write(filepath.Join(dir, "server.log"), "last boot")
	write(filepath.Join(dir, "server.log.1"), "last boot, rotated")
	if err := keepPreviousLogs(dir); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"server.log": "last boot", "server.log.1": "last boot, rotated"} {
		got, err := os.ReadFile(filepath.Join(dir, PreviousLogs, name))
		if err != nil || string(got) != want {
			t.Errorf("previous/%s = %q, %v; want %q", name, got, err, want)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s still in the log folder", name)
		}
	}
	// A boot with no logs (tmpfs /var) leaves previous alone.
	if err := keepPreviousLogs(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, PreviousLogs, "server.log")); err != nil {
		t.Errorf("a boot without logs dropped the previous ones: %v", err)
	}
}
