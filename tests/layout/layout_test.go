// Package layout checks the shape of the tree that DESIGN.md fixes: which
// packages may import which, and that docs/architecture.md names every
// package.
package layout

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/outpost-os/outpost"

// goList runs go list in the module root and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", args, err)
	}
	return strings.Fields(string(out))
}

// TestServicesImportNoInitImageBoardOrCmd keeps services/ below the rest:
// PID 1, the image builder, the boards and the binary use services, never
// the other way round.
func TestServicesImportNoInitImageBoardOrCmd(t *testing.T) {
	for _, dep := range goList(t, "-deps", "./services/...") {
		rel, ok := strings.CutPrefix(dep, module+"/")
		if !ok {
			continue
		}
		top, _, _ := strings.Cut(rel, "/")
		switch top {
		case "init", "image", "board", "cmd":
			t.Errorf("a package under services/ depends on %s", dep)
		}
	}
}

// TestTopLevelFolders keeps to DESIGN's layout.
func TestTopLevelFolders(t *testing.T) {
	allowed := map[string]bool{"cmd": true, "init": true, "services": true, "image": true, "board": true, "tests": true, "docs": true, ".ci": true, "build": true}
	entries, err := os.ReadDir("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !allowed[e.Name()] && !strings.HasPrefix(e.Name(), ".git") {
			t.Errorf("top-level folder %s is not in DESIGN's layout", e.Name())
		}
	}
}

// TestArchitectureNamesEveryPackage keeps docs/architecture.md's package
// list whole: each package under init/ and services/ is named there.
func TestArchitectureNamesEveryPackage(t *testing.T) {
	data, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	words := map[string]bool{}
	for _, w := range strings.Fields(string(data)) {
		words[strings.Trim(w, "`,.()")] = true
	}
	for _, pkg := range goList(t, "./init/...", "./services/...") {
		rel := strings.TrimPrefix(pkg, module+"/")
		parts := strings.Split(rel, "/")
		if len(parts) != 2 {
			continue // a package's own helpers (e.g. volume/volumetest)
		}
		if !words[filepath.Base(rel)] {
			t.Errorf("docs/architecture.md does not name %s", rel)
		}
	}
}
