// Package kmod loads kernel modules in dependency order from modules.dep
// (plain, .xz, .zst and .gz modules), on top of u-root's kmodule, with
// errors that name the module and what to do.
package kmod

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/u-root/u-root/pkg/kmodule"
	"golang.org/x/sys/unix"
)

// Kubernetes are the modules a Kubernetes node needs: overlay for the
// container snapshots, bridge netfilter, conntrack and NAT for kube-proxy,
// vxlan for flannel.
func Kubernetes() []string {
	return []string{
		"overlay", "br_netfilter", "nf_conntrack", "ip_tables", "iptable_nat",
		"iptable_filter", "iptable_mangle", "xt_conntrack", "xt_MASQUERADE",
		"xt_comment", "xt_mark", "xt_addrtype", "xt_multiport", "xt_statistic",
		"ip6_tables", "ip6table_nat", "ip6table_filter", "vxlan", "veth", "bridge",
	}
}

// Loader loads modules of one kernel release below a root folder.
type Loader struct {
	prober *kmodule.Prober
	dir    string
}

// NewLoader reads modules.dep for the running kernel (or release, when
// given) below root.
func NewLoader(root, release string) (*Loader, error) {
	if release == "" {
		var u unix.Utsname
		if err := unix.Uname(&u); err != nil {
			return nil, fmt.Errorf("kernel release: %w", err)
		}
		release = unix.ByteSliceToString(u.Release[:])
	}
	dir := filepath.Join(root, "lib/modules", release)
	if _, err := os.Stat(filepath.Join(dir, "modules.dep")); err != nil {
		return nil, fmt.Errorf("no modules.dep for kernel %s in %s: the image and the kernel do not match; rebuild the image: %w", release, dir, err)
	}
	p, err := kmodule.NewProber(kmodule.ProbeOpts{RootDir: root, KVer: release})
	if err != nil {
		return nil, fmt.Errorf("read %s/modules.dep: %w", dir, err)
	}
	return &Loader{prober: p, dir: dir}, nil
}

// Load loads every module with its dependencies. It goes on past a module
// that fails and returns one error naming each failure.
func (l *Loader) Load(names []string) error {
	var errs []error
	for _, name := range names {
		if err := l.prober.Probe(name, ""); err != nil {
			errs = append(errs, explain(name, err))
		}
	}
	return errors.Join(errs...)
}

func explain(name string, err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "could not find"):
		return fmt.Errorf("module %s: not in this kernel's modules.dep; add it to the board's module folders and rebuild the image", name)
	case errors.Is(err, unix.ENOEXEC), errors.Is(err, unix.EINVAL):
		return fmt.Errorf("module %s: the kernel refused it (%v); it was built for another kernel: rebuild the image", name, err)
	default:
		return fmt.Errorf("module %s: %w", name, err)
	}
}

// Loaded tells whether a module is loaded or built in, from /sys/module.
func Loaded(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/module", strings.ReplaceAll(name, "-", "_")))
	return err == nil
}
