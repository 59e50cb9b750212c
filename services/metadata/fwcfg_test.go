package metadata

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestFwCfg(t *testing.T) {
	sys := t.TempDir()
	src := &FwCfgSource{SysRoot: sys}
	if l, err := src.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("no fw_cfg: %+v %v", l, err)
	}
	raw := filepath.Join(sys, "firmware/qemu_fw_cfg/by_name/opt/outpost/config/raw")
	if src.Path() != raw {
		t.Errorf("path %s", src.Path())
	}
	writeFile(t, raw, []byte("role: server\nhostname: fw-node\n"))
	l, err := src.Fetch(context.Background())
	if err != nil || l.Config.Role != config.RoleServer || l.Config.Hostname != "fw-node" || l.Origin != FwCfgName {
		t.Errorf("plain config: %+v %v", l, err)
	}
	// what cloudinit's testdata/userdata/cloud-config.gz holds
	writeFile(t, raw, configtest.Gzip(t, []byte("#cloud-config\nhostname: zipped\noutpost:\n  role: server\n  tls_sans: [zipped.example.com]\n")))
	if l, err := src.Fetch(context.Background()); err != nil || l.Config.Hostname != "zipped" {
		t.Errorf("gzip user-data: %+v %v", l, err)
	}
	writeFile(t, raw, []byte("role: server\nmodules: wireguard\n"))
	_, err = src.Fetch(context.Background())
	if err == nil || err.Error() != "fw_cfg (opt/outpost/config): line 2: modules: the string `wireguard` cannot be a list" {
		t.Errorf("invalid YAML: %v", err)
	}
}

func TestStateSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.yaml")
	src := &StateSource{Path: path}
	if l, err := src.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("no state file: %+v %v", l, err)
	}
	writeFile(t, path, []byte("#cloud-config\noutpost:\n  role: server\n"))
	if l, err := src.Fetch(context.Background()); err != nil || l.Config.Role != config.RoleServer || l.Origin != path {
		t.Errorf("state file: %+v %v", l, err)
	}
	writeFile(t, path, append([]byte("role: server\n"), make([]byte, config.MaxSize)...))
	if _, err := src.Fetch(context.Background()); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "limit") {
		t.Errorf("huge state file: %v", err)
	}
}
