package stage1

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/services/slots"
)

func TestCountsTries(t *testing.T) {
	for booted, want := range map[string]bool{"": false, "outpost-1-a.conf": false, "outpost-2-b+2-1.conf": true, "outpost-2-b+0-1.conf": true} {
		dir := t.TempDir()
		put := func(name, value string) {
			os.WriteFile(filepath.Join(dir, slots.VarFile(name)), slots.EncodeVar(value), 0o644)
		}
		if booted != "" {
			put("LoaderInfo", "systemd-boot 252")
			put("LoaderEntrySelected", "x")
			put("LoaderBootCountPath", `\loader\entries\`+booted)
		}
		if got := countsTries(dir); got != want {
			t.Errorf("booted %q: countsTries = %v, want %v", booted, got, want)
		}
	}
}
