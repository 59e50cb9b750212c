package userland

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fetched keeps the set of each architecture for the tests of one run.
var fetched = map[string]Set{}

// installed fetches the packages for arch from the Debian archive (the
// network to it is needed once; then the cache serves) and installs them
// into a fresh root.
func installed(t *testing.T, arch string) (string, Set) {
	t.Helper()
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatal("apt-get is needed (Debian host)")
	}
	set, ok := fetched[arch]
	if !ok {
		var err error
		cache := filepath.Join(os.TempDir(), "outpost-test-cache")
		if set, err = Fetch(context.Background(), arch, cache); err != nil {
			t.Fatal(err)
		}
		fetched[arch] = set
	}
	root := t.TempDir()
	if err := set.Install(root); err != nil {
		t.Fatal(err)
	}
	return root, set
}

func TestInstallAmd64Runs(t *testing.T) {
	root, set := installed(t, "amd64")
	for _, p := range []string{Runc, "/usr/sbin/xtables-legacy-multi", Busybox, "/etc/protocols"} {
		if st, err := os.Stat(filepath.Join(root, p)); err != nil || !st.Mode().IsRegular() {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range CNIPlugins {
		if _, err := os.Stat(filepath.Join(root, CNIDir, p)); err != nil {
			t.Errorf("CNI plugin %s: %v", p, err)
		}
	}
	if cni, _ := os.ReadDir(filepath.Join(root, CNIDir)); len(cni) != len(CNIPlugins) {
		t.Errorf("%d CNI plugins, want %d", len(cni), len(CNIPlugins))
	}
	for _, gone := range []string{"usr/share/doc", "usr/sbin/iptables-apply", "bin/busybox", "bin/sh", "lib/systemd"} {
		if _, err := os.Lstat(filepath.Join(root, gone)); err == nil {
			t.Errorf("%s is in the image", gone)
		}
	}
	// The loader must find the libraries with no ld.so.cache.
	run := map[string]string{"/usr/sbin/iptables --version": "legacy", "/usr/sbin/ip6tables-save --version": "legacy",
		"/usr/sbin/iptables-restore --version": "legacy", "/usr/sbin/runc --version": "runc version", "/usr/bin/mount --help": "mount"}
	for cmdline, want := range run {
		args := strings.Fields(cmdline)
		out, _ := exec.Command("chroot", append([]string{root}, args...)...).CombinedOutput()
		if !strings.Contains(string(out), want) {
			t.Errorf("chroot %s: %s", cmdline, out)
		}
	}
	if len(set.Packages()) < 10 {
		t.Errorf("packages: %+v", set.Packages())
	}
}

// TestInstallArm64Libraries checks the arm64 root without running it: the
// loader and every library each program needs are where the loader looks.
func TestInstallArm64Libraries(t *testing.T) {
	root, _ := installed(t, "arm64")
	if _, err := os.Stat(filepath.Join(root, "lib/ld-linux-aarch64.so.1")); err != nil {
		t.Error(err)
	}
	if err := CheckLibraries(root); err != nil {
		t.Error(err)
	}
}

func TestCheckLibrariesFindsMissing(t *testing.T) {
	root, _ := installed(t, "amd64")
	os.Remove(filepath.Join(root, "lib/x86_64-linux-gnu/libseccomp.so.2"))
	matches, _ := filepath.Glob(filepath.Join(root, "usr/lib/x86_64-linux-gnu/libseccomp.so.2*"))
	for _, m := range matches {
		os.Remove(m)
	}
	err := CheckLibraries(root)
	if err == nil || !strings.Contains(err.Error(), "usr/sbin/runc needs libseccomp.so.2") {
		t.Errorf("err = %v", err)
	}
}

func TestPackageFilesSelection(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"usr/share/doc/x/copyright", "usr/sbin/iptables-apply", "usr/sbin/xtables-legacy-multi",
		"usr/lib/x86_64-linux-gnu/gconv/UTF-16.so", "usr/lib/x86_64-linux-gnu/libx.so.1", ".extracted-abc"} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), nil, 0o644)
	}
	got, err := packageFiles(dir, selections()["iptables"])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"usr/lib/x86_64-linux-gnu/libx.so.1", "usr/sbin/xtables-legacy-multi"}
	if keys := sortedKeys(got); strings.Join(keys, " ") != strings.Join(want, " ") {
		t.Errorf("files = %q, want %q", keys, want)
	}
}
