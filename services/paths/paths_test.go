package paths

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestTable checks the table against DESIGN.md's "Paths and ports": these
// are what users, docs and other nodes rely on, so a change here is a
// change of the OS's interface, not a refactoring.
func TestTable(t *testing.T) {
	for got, want := range map[string]string{
		Binary:           "/usr/bin/outpost",
		ConfigFile:       "/etc/outpost/config.yaml",
		Kubeconfig:       "/etc/outpost/outpost.yaml",
		NodePassword:     "/etc/outpost/node/password",
		DataDir:          "/var/lib/outpost",
		KubeletRoot:      "/var/lib/kubelet",
		ContainerdSocket: "/run/outpost/containerd/containerd.sock",
		Images:           "/usr/share/outpost/images",
		LogDir:           "/var/log/outpost",
	} {
		if got != want {
			t.Errorf("got %s, DESIGN.md says %s", got, want)
		}
	}
	for got, want := range map[int]int{APIServerPort: 6443, JoinAPIPort: 9345, KubeletPort: 10250, VXLANPort: 8472} {
		if got != want {
			t.Errorf("port %d, DESIGN.md says %d", got, want)
		}
	}
}

// TestNesting checks that the paths are clean, absolute, and sit where
// the table's groups say: agent data under the data dir, the socket in
// containerd's state, the node's files in /etc/outpost.
func TestNesting(t *testing.T) {
	under := map[string][]string{
		LibDir:          {InitBinary, RuntimeBinary, ShimBinary, BootInfo, StateTemplate},
		EtcDir:          {ConfigFile, Kubeconfig, NodePassword},
		DataDir:         {StateConfig, KeptEtc, ContainerdRoot, ContainerdConfig, CNIConfDir},
		RunDir:          {MetadataMountDir, StateCheck, ContainerdState},
		ContainerdState: {ContainerdSocket},
	}
	for dir, files := range under {
		for _, f := range files {
			if !strings.HasPrefix(f, dir+"/") {
				t.Errorf("%s is not under %s", f, dir)
			}
		}
	}
	for _, p := range []string{Binary, LibDir, InitBinary, RuntimeBinary, ShimBinary, BootInfo, StateTemplate, E2fsck, Images,
		EtcDir, ConfigFile, Kubeconfig, NodePassword, DataDir, StateConfig, KeptEtc, ContainerdRoot, ContainerdConfig,
		CNIConfDir, KubeletRoot, LogDir, RunDir, MetadataMountDir, StateCheck, ContainerdState, ContainerdSocket} {
		if !filepath.IsAbs(p) || filepath.Clean(p) != p {
			t.Errorf("%q is not a clean absolute path", p)
		}
	}
}
