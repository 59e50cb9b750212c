// Package kmods picks the kernel modules an image carries out of a
// kernel package's module tree, with every dependency, and writes a
// matching modules.dep with depmod.
package kmods

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Tree is the module tree of one kernel release in an unpacked package.
type Tree struct {
	Root    string // the unpacked package (holds lib/modules/Release)
	Release string
	deps    map[string][]string // relative module path -> its dependencies
}

// Open runs depmod over the unpacked tree (the Debian packages ship no
// modules.dep) and reads the result.
func Open(ctx context.Context, root, release string) (*Tree, error) {
	t := &Tree{Root: root, Release: release}
	if err := depmod(ctx, root, release); err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(t.dir(), "modules.dep"))
	if err != nil {
		return nil, fmt.Errorf("read modules.dep of %s: %w", release, err)
	}
	defer f.Close()
	t.deps, err = ParseDep(f)
	return t, err
}

func (t *Tree) dir() string { return filepath.Join(t.Root, "lib/modules", t.Release) }

// ParseDep reads modules.dep: "path: dep dep ...".
func ParseDep(r io.Reader) (map[string][]string, error) {
	deps := map[string][]string{}
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for s.Scan() {
		mod, rest, ok := strings.Cut(s.Text(), ":")
		if !ok || strings.TrimSpace(mod) == "" {
			continue
		}
		deps[strings.TrimSpace(mod)] = strings.Fields(rest)
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read modules.dep: %w", err)
	}
	return deps, nil
}

// Select returns the modules under the given folders (relative to
// kernel/) and the named modules, with all their dependencies, sorted.
// A named module that the kernel does not have is an error.
func (t *Tree) Select(dirs, names []string) ([]string, error) {
	set := map[string]bool{}
	byName := map[string]string{}
	for mod := range t.deps {
		byName[ModuleName(mod)] = mod
		for _, d := range dirs {
			if strings.HasPrefix(mod, "kernel/"+d+"/") {
				set[mod] = true
			}
		}
	}
	for _, n := range names {
		mod, ok := byName[strings.ReplaceAll(n, "-", "_")]
		if !ok {
			if t.builtin(n) {
				continue
			}
			return nil, fmt.Errorf("module %s is not in kernel %s: fix the board definition", n, t.Release)
		}
		set[mod] = true
	}
	for mod := range set {
		t.addDeps(mod, set)
	}
	out := make([]string, 0, len(set))
	for m := range set {
		out = append(out, m)
	}
	sort.Strings(out)
	return out, nil
}

func (t *Tree) addDeps(mod string, set map[string]bool) {
	for _, d := range t.deps[mod] {
		if !set[d] {
			set[d] = true
			t.addDeps(d, set)
		}
	}
}

func (t *Tree) builtin(name string) bool {
	data, err := os.ReadFile(filepath.Join(t.dir(), "modules.builtin"))
	if err != nil {
		return false
	}
	want := strings.ReplaceAll(name, "-", "_")
	for _, line := range strings.Split(string(data), "\n") {
		if ModuleName(line) == want {
			return true
		}
	}
	return false
}

// ModuleName turns kernel/fs/overlayfs/overlay.ko.xz into overlay.
func ModuleName(path string) string {
	base := filepath.Base(path)
	for _, ext := range []string{".xz", ".zst", ".gz"} {
		base = strings.TrimSuffix(base, ext)
	}
	return strings.ReplaceAll(strings.TrimSuffix(base, ".ko"), "-", "_")
}

// Install copies the modules (hard links when it can) and the kernel's
// module lists into dst/lib/modules/RELEASE and runs depmod there.
func (t *Tree) Install(ctx context.Context, dst string, modules []string) error {
	to := filepath.Join(dst, "lib/modules", t.Release)
	files := append([]string{"modules.builtin", "modules.builtin.modinfo", "modules.order"}, modules...)
	for _, rel := range files {
		if err := linkOrCopy(filepath.Join(t.dir(), rel), filepath.Join(to, rel)); err != nil {
			if os.IsNotExist(err) && !strings.HasSuffix(rel, ".ko") && !strings.Contains(rel, ".ko.") {
				continue
			}
			return fmt.Errorf("install module %s: %w", rel, err)
		}
	}
	return depmod(ctx, dst, t.Release)
}

func depmod(ctx context.Context, root, release string) error {
	out, err := exec.CommandContext(ctx, "depmod", "-b", root, release).CombinedOutput()
	if err != nil {
		return fmt.Errorf("depmod for %s in %s: %v: %s (install Debian's kmod package)", release, root, err, strings.TrimSpace(string(out)))
	}
	return nil
}

func linkOrCopy(src, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.Remove(dst)
	if os.Link(src, dst) == nil {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
