package deb

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// fixture resolves names from apt-cache show paragraphs.
func fixture(t *testing.T, control []byte) resolver {
	t.Helper()
	byName := map[string]Package{}
	for _, para := range bytes.Split(control, []byte("\n\n")) {
		if p := parseControl(para); p.Name != "" {
			byName[p.Name] = p
		}
	}
	return func(names []string) map[string]lookedUp {
		out := map[string]lookedUp{}
		for _, name := range names {
			if p, ok := byName[name]; ok {
				out[name] = lookedUp{p: p}
			} else {
				out[name] = lookedUp{err: fmt.Errorf("package %s is not known to apt", name)}
			}
		}
		return out
	}
}

func names(ps []Package) string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return strings.Join(out, " ")
}

// TestClosureOfNodePackages resolves what the root image needs from
// Debian 12's real control data (testdata, arm64).
func TestClosureOfNodePackages(t *testing.T) {
	control, err := os.ReadFile("testdata/bookworm-arm64.control")
	if err != nil {
		t.Fatal(err)
	}
	calls, resolve := 0, fixture(t, control)
	counted := func(names []string) map[string]lookedUp { calls++; return resolve(names) }
	got, err := closure([]string{"runc", "iptables", "containernetworking-plugins", "busybox-static"}, []string{"gcc-*-base"}, counted)
	if err != nil {
		t.Fatal(err)
	}
	if calls > 3 {
		t.Errorf("%d apt calls, want one per level of dependencies (3)", calls)
	}
	want := "busybox-static containernetworking-plugins iptables libc6 libgcc-s1 libip4tc2 libip6tc2 libmnl0 " +
		"libnetfilter-conntrack3 libnfnetlink0 libnftnl11 libseccomp2 libxtables12 netbase runc"
	if names(got) != want {
		t.Errorf("closure = %s\nwant      %s", names(got), want)
	}
	for _, p := range got {
		if p.Version == "" || len(p.SHA256) != 64 || (p.Arch != "arm64" && p.Arch != "all") {
			t.Errorf("package %+v", p)
		}
	}
}

const synthetic = `Package: app
Version: 1
Pre-Depends: init-helper
Depends: libc6 (>= 2.34), mail-transport-agent | exim4, virtual-only | libx:any (>= 1)

Package: libc6
Version: 2
Depends: libgcc-s1

Package: libgcc-s1
Version: 3
Depends: gcc-12-base (= 3), libc6 (>= 2)

Package: exim4
Version: 4
Depends: debconf (>= 0.5) | debconf-2.0

Package: libx
Version: 5

Package: init-helper
Version: 6

Package: broken
Version: 7
Depends: libc6, gone | also-gone
`

func TestClosureAlternativesAndCycles(t *testing.T) {
	got, err := closure([]string{"app"}, []string{"gcc-*-base", "debconf"}, fixture(t, []byte(synthetic)))
	if err != nil {
		t.Fatal(err)
	}
	if want := "app exim4 init-helper libc6 libgcc-s1 libx"; names(got) != want {
		t.Errorf("closure = %s, want %s", names(got), want)
	}
}

func TestClosureNamesWhatIsMissing(t *testing.T) {
	_, err := closure([]string{"broken"}, nil, fixture(t, []byte(synthetic)))
	if err == nil || !strings.Contains(err.Error(), "gone or also-gone") || !strings.Contains(err.Error(), "broken 7") {
		t.Errorf("err = %v", err)
	}
	if _, err := closure([]string{"nothing-here"}, nil, fixture(t, []byte(synthetic))); err == nil {
		t.Error("unknown package accepted")
	}
}
