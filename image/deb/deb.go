// Package deb fetches Debian packages for a board's architecture with
// apt-get, keeps them in a cache checked against the archive's SHA-256, and
// unpacks them with dpkg-deb. Nothing is fetched from anywhere else.
package deb

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// Package is one resolved package of the archive.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Arch is the package's architecture: the board's, or "all".
	Arch       string `json:"arch"`
	SHA256     string `json:"sha256"`
	Depends    string `json:"-"`
	PreDepends string `json:"-"`
	Path       string `json:"-"` // the .deb in the cache, once fetched
}

// Resolve asks apt which version of name for arch it would fetch (or of
// name for all architectures, when the package is one of those).
func Resolve(ctx context.Context, name, arch string) (Package, error) {
	if err := checkArch(ctx, arch); err != nil {
		return Package{}, err
	}
	out, err := exec.CommandContext(ctx, "apt-cache", "show", "--no-all-versions", name+":"+arch).CombinedOutput()
	if err == nil && len(bytes.TrimSpace(out)) == 0 {
		out, err = exec.CommandContext(ctx, "apt-cache", "show", "--no-all-versions", name+":all").CombinedOutput()
	}
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return Package{}, fmt.Errorf("package %s:%s is not known to apt (%s): run 'apt-get update' and check the name", name, arch, firstLine(out, err))
	}
	p := parseControl(out).forArch(arch)
	if p.Name == "" || p.Version == "" {
		return Package{}, fmt.Errorf("package %s:%s: apt-cache gave no version", name, arch)
	}
	return p, nil
}

// forArch records arch as the package's, unless it is for all.
func (p Package) forArch(arch string) Package {
	if p.Arch != "all" {
		p.Arch = arch
	}
	return p
}

// resolveMany asks apt for several packages of arch at once (one
// apt-cache call instead of one each). Names it does not show are left out:
// Resolve finds packages for all architectures and says why others fail.
func resolveMany(ctx context.Context, names []string, arch string) map[string]Package {
	args := []string{"show", "--no-all-versions"}
	for _, n := range names {
		args = append(args, n+":"+arch)
	}
	out, _ := exec.CommandContext(ctx, "apt-cache", args...).Output()
	found := map[string]Package{}
	for _, para := range bytes.Split(out, []byte("\n\n")) {
		p := parseControl(para)
		if p.Name == "" || p.Version == "" || !slices.Contains(names, p.Name) {
			continue
		}
		found[p.Name] = p.forArch(arch)
	}
	return found
}

// Fetch puts the package's .deb in cacheDir, reusing a cached copy whose
// SHA-256 matches the archive's, and checks what it downloads.
func Fetch(ctx context.Context, p Package, cacheDir string) (Package, error) {
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		return p, fmt.Errorf("package cache %s: %w", cacheDir, err)
	}
	p.Path = filepath.Join(cacheDir, fileName(p))
	if sum, err := fileSHA256(p.Path); err == nil && (p.SHA256 == "" || sum == p.SHA256) {
		p.SHA256 = sum
		return p, nil
	}
	cmd := exec.CommandContext(ctx, "apt-get", "download", "-q", p.Name+":"+p.Arch+"="+p.Version)
	cmd.Dir = cacheDir
	if out, err := cmd.CombinedOutput(); err != nil {
		return p, fmt.Errorf("download %s %s: %v: %s; check the network to the Debian archive and run 'apt-get update'", p.Name, p.Version, err, lastLine(out))
	}
	sum, err := fileSHA256(p.Path)
	if err != nil {
		return p, fmt.Errorf("download %s: apt-get left no %s: %w", p.Name, p.Path, err)
	}
	if p.SHA256 != "" && sum != p.SHA256 {
		os.Remove(p.Path)
		return p, fmt.Errorf("download %s: SHA-256 %s does not match the archive's %s; removed it, try again", p.Name, sum, p.SHA256)
	}
	p.SHA256 = sum
	return p, nil
}

// Extract unpacks the package into dir (once: a marker file remembers it).
func Extract(ctx context.Context, p Package, dir string) error {
	marker := filepath.Join(dir, ".extracted-"+p.SHA256)
	if _, err := os.Stat(marker); err == nil {
		return nil
	}
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("extract %s: %w", p.Name, err)
	}
	if out, err := exec.CommandContext(ctx, "dpkg-deb", "-x", p.Path, dir).CombinedOutput(); err != nil {
		return fmt.Errorf("extract %s with dpkg-deb: %v: %s; the cached file may be damaged: delete %s", p.Name, err, lastLine(out), p.Path)
	}
	return os.WriteFile(marker, nil, 0o644)
}

// Unpack fetches the package into cache/debs and unpacks it under
// cache/unpacked, returning the fetched package and its folder.
func Unpack(ctx context.Context, p Package, cache string) (Package, string, error) {
	p, err := Fetch(ctx, p, filepath.Join(cache, "debs"))
	if err != nil {
		return p, "", err
	}
	dir := filepath.Join(cache, "unpacked", p.Name+"_"+p.Version+"_"+p.Arch)
	return p, dir, Extract(ctx, p, dir)
}

// FirstDepend returns the first package name in the Depends field that
// starts with prefix (how a kernel metapackage names its kernel).
func (p Package) FirstDepend(prefix string) string {
	for _, alts := range ParseDepends(p.Depends) {
		for _, d := range alts {
			if strings.HasPrefix(d.Name, prefix) {
				return d.Name
			}
		}
	}
	return ""
}

func checkArch(ctx context.Context, arch string) error {
	native, _ := exec.CommandContext(ctx, "dpkg", "--print-architecture").Output()
	if strings.TrimSpace(string(native)) == arch {
		return nil
	}
	foreign, err := exec.CommandContext(ctx, "dpkg", "--print-foreign-architectures").Output()
	if err != nil {
		return fmt.Errorf("dpkg is needed to fetch %s packages: %w (build on Debian or Ubuntu)", arch, err)
	}
	for _, a := range strings.Fields(string(foreign)) {
		if a == arch {
			return nil
		}
	}
	return fmt.Errorf("apt does not know architecture %s yet: run 'dpkg --add-architecture %s && apt-get update' as root (make deps does this)", arch, arch)
}

// parseControl reads the first paragraph of apt-cache show output.
func parseControl(out []byte) Package {
	var p Package
	s := bufio.NewScanner(bytes.NewReader(out))
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for s.Scan() {
		line := s.Text()
		if line == "" {
			break
		}
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch k {
		case "Package":
			p.Name = v
		case "Version":
			p.Version = v
		case "SHA256":
			p.SHA256 = v
		case "Depends":
			p.Depends = v
		case "Pre-Depends":
			p.PreDepends = v
		case "Architecture":
			p.Arch = v
		}
	}
	return p
}

// fileName is how apt-get download names a package file (the epoch colon
// becomes %3a).
func fileName(p Package) string {
	return fmt.Sprintf("%s_%s_%s.deb", p.Name, strings.ReplaceAll(p.Version, ":", "%3a"), p.Arch)
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func firstLine(out []byte, err error) string {
	if s := strings.TrimSpace(string(out)); s != "" {
		return strings.SplitN(s, "\n", 2)[0]
	}
	if err != nil {
		return err.Error()
	}
	return "no output"
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}
