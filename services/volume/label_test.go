package volume

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/volume/volumetest"
)

func TestReadLabel(t *testing.T) {
	dir := t.TempDir()
	seed := map[string][]byte{"user-data": []byte("#cloud-config\n")}
	cases := []struct {
		name, fstype, label string
		make                func(string)
	}{
		{"iso", FSISO9660, "cidata", func(p string) { volumetest.MakeISO(t, p, "cidata", seed) }},
		{"fat12", FSVFAT, "CIDATA", func(p string) { volumetest.MakeFAT(t, p, 12, "CIDATA", seed) }},
		{"fat16", FSVFAT, "config-2", func(p string) { volumetest.MakeFAT(t, p, 16, "config-2", seed) }},
		{"fat32", FSVFAT, "cidata", func(p string) { volumetest.MakeFAT(t, p, 32, "cidata", seed) }},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		c.make(p)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		fstype, label, err := ReadLabel(f)
		f.Close()
		if err != nil || fstype != c.fstype || !strings.EqualFold(label, c.label) {
			t.Errorf("%s: %q %q %v, want %s %s", c.name, fstype, label, err, c.fstype, c.label)
		}
	}
	blank := filepath.Join(dir, "blank")
	volumetest.WriteFile(t, blank, make([]byte, 1<<20))
	f, _ := os.Open(blank)
	defer f.Close()
	if _, _, err := ReadLabel(f); !errors.Is(err, ErrUnknownFilesystem) {
		t.Errorf("blank disk: %v", err)
	}
}
