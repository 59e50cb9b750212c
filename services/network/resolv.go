package network

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Limits of the glibc and musl resolvers: more entries are ignored by them.
const (
	maxNameservers = 3
	maxSearch      = 6
	maxSearchChars = 256
)

// validDomain tells whether d is a domain name that is safe to write to
// resolv.conf: dot-separated labels of letters, digits, '-' and '_'.
func validDomain(d string) bool {
	d = strings.TrimSuffix(d, ".")
	if d == "" || len(d) > 253 {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range []byte(label) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// renderResolvConf makes the text of resolv.conf: the nameservers and
// search domains in the order given, without duplicates, invalid entries
// or more than the resolver reads.
func renderResolvConf(servers []netip.Addr, search []string) []byte {
	var b strings.Builder
	b.WriteString("# Written by outpost from the network configuration and DHCP.\n")
	seen := map[netip.Addr]bool{}
	for _, s := range servers {
		s = s.Unmap()
		if !s.IsValid() || s.IsUnspecified() || seen[s] || len(seen) == maxNameservers {
			continue
		}
		seen[s] = true
		fmt.Fprintf(&b, "nameserver %s\n", s.WithZone(""))
	}
	if line := searchLine(search); line != "" {
		b.WriteString("search " + line + "\n")
	}
	return []byte(b.String())
}

func searchLine(search []string) string {
	var out []string
	seen := map[string]bool{}
	n := 0
	for _, d := range search {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if !validDomain(d) || seen[d] || len(out) == maxSearch || n+len(d)+1 > maxSearchChars {
			continue
		}
		seen[d] = true
		n += len(d) + 1
		out = append(out, d)
	}
	return strings.Join(out, " ")
}

// writeResolvConf replaces path atomically: readers see the old file or
// the new one, never a part. When path is a symbolic link (to /run, on a
// read-only root), the file it points to is replaced.
func writeResolvConf(path string, data []byte) error {
	if target, err := os.Readlink(path); err == nil {
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return atomicfile.Write(path, data, 0o644)
}
