package roleflags

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadConfigMissingFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "config.yaml")
	if c, err := ReadConfig(missing, false, io.Discard); c != nil || err != nil {
		t.Errorf("missing, not required: %v %v", c, err)
	}
	if _, err := ReadConfig(missing, true, io.Discard); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing, required: %v, want an error naming the file", err)
	}
	bad := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(bad, []byte("cluster_cidr: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadConfig(bad, false, io.Discard); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("bad YAML: %v, want an error naming the file", err)
	}
}

// A given flag wins; of two settings of one flag the later wins; an
// unset key changes nothing.
func TestApply(t *testing.T) {
	var name, ip string
	var labels []string
	Apply([]Setting{
		String("node-name", &name, "host"),
		String("node-name", &name, "node"),
		String("node-ip", &ip, "192.0.2.1"),
		Pairs("node-label", &labels, map[string]string{"b": "2", "a": "1"}),
		Strings("node-taint", &labels, nil),
	}, map[string]bool{"node-ip": true})
	if name != "node" || ip != "" || !slices.Equal(labels, []string{"a=1", "b=2"}) {
		t.Errorf("name %q ip %q labels %q", name, ip, labels)
	}
}
