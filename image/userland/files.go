package userland

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/outpost-os/outpost/services/paths"
)

// CNIPlugins are the plugins kept from containernetworking-plugins: what
// flannel's CNI configuration and kube-proxy-less port mappings use.
var CNIPlugins = []string{"bandwidth", "bridge", "firewall", "host-local", "loopback", "portmap"}

// Paths in the root image.
const (
	CNIDir  = "/usr/lib/cni"
	Runc    = "/usr/sbin/runc"
	Busybox = paths.LibDir + "/busybox"
)

// selection says which files of a package go into the image.
type selection struct {
	// only, when set, lists the only files taken: package path → image
	// path.
	only map[string]string
	// drop lists more paths (path.Match patterns) left out, with what is
	// under them.
	drop []string
}

// dropAlways are never copied: documentation, shell completions, boot and
// init-system integration, and glibc's iconv modules (nothing here
// converts character sets).
var dropAlways = []string{"usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/lintian",
	"usr/share/locale", "usr/share/bug", "usr/share/bash-completion", "usr/share/initramfs-tools",
	"lib/systemd", "usr/lib/*/gconv"}

// selections are the packages whose files are chosen; every other one is
// copied whole, less dropAlways.
func selections() map[string]selection {
	cni := map[string]string{}
	for _, p := range CNIPlugins {
		cni[path.Join(CNIDir[1:], p)] = path.Join(CNIDir[1:], p)
	}
	return map[string]selection{
		"containernetworking-plugins": {only: cni},
		// The host gets busybox only as mount and umount (the kubelet
		// runs them for tmpfs volumes), out of PATH: no shell on the host.
		"busybox-static": {only: map[string]string{"bin/busybox": Busybox[1:]}},
		// iptables-apply is a shell script; there is no shell.
		"iptables": {drop: []string{"usr/sbin/iptables-apply", "usr/sbin/ip6tables-apply", "usr/share/iptables"}},
	}
}

// copyPackage copies the chosen files of an unpacked package into root.
func copyPackage(u Unpacked, root string) error {
	sel := selections()[u.Name]
	files, err := packageFiles(u.Dir, sel)
	if err != nil {
		return fmt.Errorf("package %s: %w", u.Name, err)
	}
	for _, src := range sortedKeys(files) {
		if err := copyEntry(filepath.Join(u.Dir, src), filepath.Join(root, files[src])); err != nil {
			return fmt.Errorf("package %s: %w", u.Name, err)
		}
	}
	return nil
}

// packageFiles maps each file and link of the package to take (relative
// to dir) to its path in the image.
func packageFiles(dir string, sel selection) (map[string]string, error) {
	if sel.only != nil {
		return sel.only, nil
	}
	drop := append(append([]string{}, dropAlways...), sel.drop...)
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel := filepath.ToSlash(p[len(dir)+1:])
		switch {
		case matchAny(drop, rel) && d.IsDir():
			return filepath.SkipDir
		case matchAny(drop, rel), d.IsDir(), strings.HasPrefix(rel, ".extracted-"):
			return nil
		}
		out[rel] = rel
		return nil
	})
	return out, err
}

func matchAny(patterns []string, p string) bool {
	for _, pat := range patterns {
		if ok, _ := path.Match(pat, p); ok {
			return true
		}
	}
	return false
}

// copyEntry copies a regular file (keeping its mode) or a symbolic link.
// Two packages may not ship the same path.
func copyEntry(src, dst string) error {
	st, err := os.Lstat(src)
	if err != nil {
		return err
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s is in the root image already (two packages ship it)", dst)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	switch {
	case st.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(src)
		if err != nil {
			return err
		}
		return os.Symlink(target, dst)
	case st.Mode().IsRegular():
		return copyFile(src, dst, st.Mode())
	}
	return fmt.Errorf("%s: not a file or link", src)
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	return os.Chmod(dst, mode&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky))
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
