// Package userland puts the node's few programs from Debian into the root
// image, for the board's architecture: runc, iptables (legacy backend) with
// the libraries it needs, the CNI plugins, and mount/umount for the kubelet
// (busybox). It resolves the packages' dependency closure, fetches and
// unpacks them through image/deb, copies what a node runs (no
// documentation, no shell scripts), makes the links Debian's maintainer
// scripts would have made, and checks that the dynamic loader finds every
// library each program needs.
package userland

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/outpost-os/outpost/image/deb"
)

// Packages are the ones the node needs; their dependencies come along.
var Packages = []string{"runc", "iptables", "containernetworking-plugins", "busybox-static"}

// Base are dependencies left out (path.Match patterns). gcc-N-base holds
// only documentation. The others serve maintainer scripts, which never run
// in an image (they would configure debconf, dpkg's database, init
// scripts, system users) and ship nothing a program needs at run time.
var Base = []string{"gcc-*-base", "debconf", "debconf-2.0", "dpkg", "init-system-helpers", "adduser", "lsb-base", "sysvinit-utils", "perl-base"}

// Unpacked is a fetched package and where it is unpacked.
type Unpacked struct {
	deb.Package
	Dir string
}

// Set is the resolved, fetched and unpacked closure of Packages.
type Set []Unpacked

// Fetch resolves the closure of Packages for arch (a Debian architecture),
// fetches each package into cache/debs and unpacks it under
// cache/unpacked.
func Fetch(ctx context.Context, arch, cache string) (Set, error) {
	pkgs, err := deb.Closure(ctx, Packages, arch, Base)
	if err != nil {
		return nil, err
	}
	var set Set
	for _, p := range pkgs {
		p, dir, err := deb.Unpack(ctx, p, cache)
		if err != nil {
			return nil, err
		}
		set = append(set, Unpacked{Package: p, Dir: dir})
	}
	return set, nil
}

// Packages returns what the set holds, for the image's manifest.
func (s Set) Packages() []deb.Package {
	out := make([]deb.Package, len(s))
	for i, u := range s {
		out[i] = u.Package
	}
	return out
}

// File returns the path of a file of one package, as unpacked.
func (s Set) File(pkg, path string) (string, error) {
	for _, u := range s {
		if u.Name == pkg {
			return filepath.Join(u.Dir, path), nil
		}
	}
	return "", fmt.Errorf("package %s is not among the root image's packages", pkg)
}

// Install copies the set into root, makes the links and checks that every
// program's libraries are there.
func (s Set) Install(root string) error {
	for _, u := range s {
		if err := copyPackage(u, root); err != nil {
			return err
		}
	}
	if err := makeLinks(root); err != nil {
		return err
	}
	return CheckLibraries(root)
}
