package userland

import (
	"fmt"
	"os"
	"path/filepath"
)

// IPTables are the names kube-proxy and the CNI plugins run, all pointing
// at the legacy backend: Debian chooses it with update-alternatives in a
// maintainer script, which never runs in an image. Legacy matches the
// modules stage 2 loads (ip_tables, iptable_nat, iptable_filter, ...).
var IPTables = []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"}

// Links are the links the root image gains: link path → target.
func Links() map[string]string {
	links := map[string]string{
		"usr/bin/mount":  "../lib/outpost/busybox",
		"usr/bin/umount": "../lib/outpost/busybox",
	}
	for _, name := range IPTables {
		links["usr/sbin/"+name] = "xtables-legacy-multi"
	}
	return links
}

func makeLinks(root string) error {
	links := Links()
	for _, link := range sortedKeys(links) {
		p := filepath.Join(root, link)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(links[link], p); err != nil {
			return fmt.Errorf("root image link: %w", err)
		}
	}
	return nil
}
