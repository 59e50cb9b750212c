package deb

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

func TestParseControl(t *testing.T) {
	out := []byte("Package: linux-image-cloud-amd64\nSource: linux-signed-amd64\nVersion: 6.1.192-2\nDepends: linux-image-6.1.0-56-cloud-amd64 (= 6.1.192-2)\nSHA256: abc123\n\nPackage: other\n")
	p := parseControl(out)
	if p.Name != "linux-image-cloud-amd64" || p.Version != "6.1.192-2" || p.SHA256 != "abc123" {
		t.Errorf("parsed %+v", p)
	}
	if got := p.FirstDepend("linux-image-"); got != "linux-image-6.1.0-56-cloud-amd64" {
		t.Errorf("FirstDepend = %q", got)
	}
}

func TestFileNameEncodesEpoch(t *testing.T) {
	got := fileName(Package{Name: "x", Version: "1:2.3-4", Arch: "arm64"})
	if got != "x_1%3a2.3-4_arm64.deb" {
		t.Errorf("fileName = %s", got)
	}
}

func FuzzParseControl(f *testing.F) {
	f.Add([]byte("Package: a\nVersion: 1\nDepends: b | c, d (>= 2)\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parseControl(b).FirstDepend("l")
	})
}

// TestResolveUnknownPackage asks the real apt for a name that does not
// exist: the error must name the package and say what to do.
func TestResolveUnknownPackage(t *testing.T) {
	if _, err := exec.LookPath("apt-cache"); err != nil {
		t.Fatal("apt-cache is needed (Debian host)")
	}
	_, err := Resolve(context.Background(), "linux-image-does-not-exist", "amd64")
	if err == nil || !strings.Contains(err.Error(), "linux-image-does-not-exist") || !strings.Contains(err.Error(), "apt-get update") {
		t.Fatalf("err = %v", err)
	}
}

// TestResolveArchAll resolves a package built for all architectures
// (netbase) for arm64: apt knows it only as netbase:all.
func TestResolveArchAll(t *testing.T) {
	if _, err := exec.LookPath("apt-cache"); err != nil {
		t.Fatal("apt-cache is needed (Debian host)")
	}
	p, err := Resolve(context.Background(), "netbase", "arm64")
	if err != nil {
		t.Fatal(err)
	}
	if p.Arch != "all" || p.Version == "" || !strings.HasSuffix(fileName(p), "_all.deb") {
		t.Errorf("netbase = %+v (%s)", p, fileName(p))
	}
}
