package network

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func addrs(ss ...string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out
}

func TestRenderResolvConf(t *testing.T) {
	got := string(renderResolvConf(
		addrs("10.0.0.1", "10.0.0.2", "10.0.0.1", "0.0.0.0", "::ffff:10.0.0.2", "2001:db8::1", "10.0.0.9"),
		[]string{"Example.com.", "example.com", "bad domain", "a.example", "x;y", "b.example", "c.example", "d.example", "e.example", "f.example"},
	))
	want := "# Written by outpost from the network configuration and DHCP.\n" +
		"nameserver 10.0.0.1\nnameserver 10.0.0.2\nnameserver 2001:db8::1\n" +
		"search example.com a.example b.example c.example d.example e.example\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestRenderResolvConfEmpty(t *testing.T) {
	if got := string(renderResolvConf(nil, nil)); strings.Contains(got, "nameserver") || strings.Contains(got, "search") {
		t.Errorf("empty config rendered %q", got)
	}
}

func TestWriteResolvConfAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(path, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := renderResolvConf(addrs("10.1.1.1"), nil)
	if err := writeResolvConf(path, data); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(data) {
		t.Errorf("file = %q, want %q", got, data)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temp files left behind: %v", entries)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode())
	}
}

// A symbolic link (e.g. /etc/resolv.conf -> ../run/resolv.conf on a
// read-only root) stays a link; the file it points to is replaced.
func TestWriteResolvConfThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "run"), 0o755)
	os.Mkdir(filepath.Join(dir, "etc"), 0o755)
	link := filepath.Join(dir, "etc", "resolv.conf")
	if err := os.Symlink("../run/resolv.conf", link); err != nil {
		t.Fatal(err)
	}
	data := renderResolvConf(addrs("10.1.1.1"), nil)
	if err := writeResolvConf(link, data); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symbolic link", link)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "run", "resolv.conf")); string(got) != string(data) {
		t.Errorf("target = %q, want %q", got, data)
	}
}

func TestWriteResolvConfMissingDir(t *testing.T) {
	err := writeResolvConf(filepath.Join(t.TempDir(), "nope", "resolv.conf"), nil)
	if err == nil || !strings.Contains(err.Error(), "resolv.conf") {
		t.Errorf("error = %v, want one naming the file", err)
	}
}

// FuzzResolvConf: whatever names DHCP or the config hand over, the
// output is only comment, nameserver and search lines, within the limits.
func FuzzResolvConf(f *testing.F) {
	f.Add("10.0.0.1", "example.com")
	f.Add("fe80::1%eth0", "a\nnameserver 1.2.3.4")
	f.Add("::ffff:1.2.3.4", "x..y -a.b ok.example")
	f.Fuzz(func(t *testing.T, server, search string) {
		var servers []netip.Addr
		for _, s := range strings.Fields(server) {
			if a, err := netip.ParseAddr(s); err == nil {
				servers = append(servers, a)
			}
		}
		out := string(renderResolvConf(servers, strings.Split(search, " ")))
		ns := 0
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			switch fields := strings.Fields(line); {
			case strings.HasPrefix(line, "# "):
			case len(fields) == 2 && fields[0] == "nameserver":
				if _, err := netip.ParseAddr(fields[1]); err != nil {
					t.Fatalf("bad nameserver line %q", line)
				}
				ns++
			case len(fields) >= 2 && len(fields) <= 7 && fields[0] == "search" && len(line) <= 7+maxSearchChars:
				for _, d := range fields[1:] {
					if !validDomain(d) {
						t.Fatalf("bad search domain %q", d)
					}
				}
			default:
				t.Fatalf("unexpected line %q in\n%s", line, out)
			}
		}
		if ns > maxNameservers {
			t.Fatalf("%d nameservers", ns)
		}
	})
}
