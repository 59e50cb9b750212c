package preload

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestRefName(t *testing.T) {
	for in, want := range map[string]string{
		"outpost.local/pause:1.0": "outpost.local/pause:1.0",
		"outpost.local/pause":     "outpost.local/pause:latest",
		"pause:3.10":              "docker.io/library/pause:3.10",
		"1.0":                     "", // a bare tag, as the OCI spec allows
		"latest":                  "",
		"Not/A:Valid:Ref":         "",
	} {
		if got := refName(in); got != want {
			t.Errorf("refName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArchivesIn(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"b.tar", "a.tar", "notes.txt", "c.tar.gz"} {
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	single := filepath.Join(t.TempDir(), "single.tar")
	os.WriteFile(single, nil, 0o644)
	got, errs := archivesIn([]string{dir, filepath.Join(dir, "missing"), single})
	want := []string{filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar"), single}
	if !slices.Equal(got, want) || len(errs) != 0 {
		t.Errorf("archives %v, errors %v; want %v", got, errs, want)
	}
}
