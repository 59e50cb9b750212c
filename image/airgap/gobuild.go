package airgap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// program is a Go program of the source tree built into an image.
type program struct {
	// name of the cached binary, and of the archive.
	name string
	// module is the folder of the module it is built in ("" for
	// Outpost's own), relative to the source tree.
	module string
	// pkg is the package to build, relative to the module.
	pkg string
	// inputs are the files and folders (relative to the source tree)
	// whose content decides the binary, besides the Go version.
	inputs []string
}

// buildFlags are the flags every program is built with.
var buildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// goBuild returns the program's static binary for arch, from the cache
// when its inputs have not changed, else compiled with go build.
func goBuild(ctx context.Context, o Options, p program) (string, error) {
	key, err := sourceKey(ctx, o, p)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(o.Cache, "gobuild")
	out := filepath.Join(dir, fmt.Sprintf("%s-%s-%s", p.name, o.Arch, key[:16]))
	if _, err := os.Stat(out); err == nil {
		return out, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	o.log(fmt.Sprintf("compile %s for %s", p.name, o.Arch))
	f, err := atomicfile.Create(out, 0o755)
	if err != nil {
		return "", err
	}
	defer f.Abort()
	f.Close() // go build writes (or renames into place) the file by name
	if err := runGo(ctx, o, p, f.Name()); err != nil {
		return "", err
	}
	if err := f.Commit(); err != nil {
		return "", err
	}
	pruneOld(dir, p.name+"-"+o.Arch+"-", out)
	return out, nil
}

func runGo(ctx context.Context, o Options, p program, out string) error {
	args := []string{"build"}
	if p.module != "" {
		args = append(args, "-C", p.module)
	}
	args = append(append(args, buildFlags...), "-o", out, p.pkg)
	cmd := exec.CommandContext(ctx, o.goCommand(), args...)
	cmd.Dir = o.Source
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+o.Arch)
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build %s for %s (%s in %s): %v\n%s", p.name, o.Arch, strings.Join(cmd.Args, " "), o.Source, err, tail(b, 20))
	}
	return nil
}

// sourceKey hashes what decides a binary: the Go toolchain, the target,
// the flags and the content of every input file.
func sourceKey(ctx context.Context, o Options, p program) (string, error) {
	version, err := exec.CommandContext(ctx, o.goCommand(), "version").Output()
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the container images (%s version: %v)", o.goCommand(), err)
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n%s %s\n", version, o.Arch, strings.Join(buildFlags, " "), p.module, p.pkg)
	for _, in := range p.inputs {
		if err := hashTree(h, o.Source, in); err != nil {
			return "", fmt.Errorf("source of %s: %w (is %s Outpost's source tree?)", p.name, err, o.Source)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashTree writes the names and contents of the files under rel into h.
func hashTree(h io.Writer, root, rel string) error {
	var files []string
	err := filepath.WalkDir(filepath.Join(root, rel), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(f[len(root):]), len(data))
		h.Write(data)
	}
	return nil
}

// pruneOld removes the cached binaries of a program that keep is newer
// than.
func pruneOld(dir, prefix, keep string) {
	old, _ := filepath.Glob(filepath.Join(dir, prefix+"*"))
	for _, f := range old {
		if f != keep {
			os.Remove(f)
		}
	}
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
