package sysctl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApplyWritesFiles(t *testing.T) {
	root := t.TempDir()
	params := map[string]string{"net.ipv4.ip_forward": "1", "vm.overcommit_memory": "1"}
	for k := range params {
		os.MkdirAll(filepath.Dir(Path(root, k)), 0o755)
	}
	if err := Apply(root, params); err != nil {
		t.Fatal(err)
	}
	for k, v := range params {
		got, err := Get(root, k)
		if err != nil || got != v {
			t.Errorf("%s = %q, %v; want %q", k, got, err, v)
		}
	}
}

func TestApplyNamesFailedKeys(t *testing.T) {
	root := t.TempDir()
	err := Apply(root, map[string]string{"net.bridge.bridge-nf-call-iptables": "1"})
	if err == nil || !strings.Contains(err.Error(), "net.bridge.bridge-nf-call-iptables") {
		t.Fatalf("err = %v", err)
	}
}

func TestConntrackScalesWithCPUs(t *testing.T) {
	if got := Kubernetes(2)["net.netfilter.nf_conntrack_max"]; got != "131072" {
		t.Errorf("2 cpus: %s", got)
	}
	if got := Kubernetes(8)["net.netfilter.nf_conntrack_max"]; got != "262144" {
		t.Errorf("8 cpus: %s", got)
	}
}
