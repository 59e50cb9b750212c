package metadata

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestParseCmdlineQEMU(t *testing.T) {
	c := ParseCmdline(string(configtest.ReadFixture(t, "cmdline/qemu.txt")))
	cfg := c.Layer.Config
	if cfg.Role != config.RoleAgent {
		t.Errorf("role %q: the outpost.role after -- belongs to init and must be ignored", cfg.Role)
	}
	if cfg.Server != "https://10.0.2.2:6443" || cfg.TokenFile != "/var/lib/outpost/token" || cfg.Hostname != "edge-07" {
		t.Errorf("config: %+v", cfg)
	}
	if c.ConfigURL != "http://10.0.2.2:8000/config.yaml" {
		t.Errorf("config_url %q", c.ConfigURL)
	}
	if c.NoCloud == nil || c.NoCloud.URL != "http://10.0.2.2:8000/seed/" || c.NoCloud.InstanceID != "iid-07" {
		t.Errorf("nocloud seed: %+v", c.NoCloud)
	}
	for _, k := range []string{"role", "server", "token_file", "hostname"} {
		if _, ok := c.Layer.Keys[k]; !ok {
			t.Errorf("key %s not marked as set", k)
		}
	}
	if len(c.Layer.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Layer.Warnings)
	}
}

func TestParseCmdlineTokenWarns(t *testing.T) {
	c := ParseCmdline(string(configtest.ReadFixture(t, "cmdline/token.txt")))
	if c.Layer.Config.Token != "K10abcdef::server:labsecret" {
		t.Errorf("token not read")
	}
	for _, want := range []string{"readable by every container", "outpost.colour: unknown", "outpost.node_ip: has no value"} {
		if !configtest.HasWarning(c.Layer, want) {
			t.Errorf("no warning %q in %v", want, c.Layer.Warnings)
		}
	}
	for _, w := range c.Layer.Warnings {
		if strings.Contains(w.Error(), "labsecret") {
			t.Errorf("token in a warning: %v", w)
		}
	}
}

func TestParseCmdlinePlain(t *testing.T) {
	c := ParseCmdline(string(configtest.ReadFixture(t, "cmdline/plain.txt")))
	if !c.Layer.Empty() || c.NoCloud != nil || c.ConfigURL != "" {
		t.Errorf("a command line without outpost keys gave %+v", c)
	}
}

func TestCmdlineSource(t *testing.T) {
	src := &CmdlineSource{Path: filepath.Join("testdata", "cmdline", "qemu.txt")}
	l, err := src.Fetch(context.Background())
	if err != nil || l == nil || l.Config.Role != config.RoleAgent {
		t.Fatalf("fetch: %+v, %v", l, err)
	}
	missing := &CmdlineSource{Path: filepath.Join(t.TempDir(), "cmdline")}
	if l, err := missing.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("missing file: %+v, %v", l, err)
	}
}
