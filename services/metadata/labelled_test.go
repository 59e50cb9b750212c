package metadata

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/volume/volumetest"
)

func noCloudFixture(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		out[name] = configtest.ReadFixture(t, "nocloud/full/"+name)
	}
	return out
}

func TestNoCloudSourceFromVFATVolume(t *testing.T) {
	sysRoot, devRoot := volumetest.BlockTree(t, map[string]func(string){
		"vdb": func(p string) { volumetest.MakeFAT(t, p, 12, "CIDATA", noCloudFixture(t)) },
	})
	cmdline := filepath.Join(t.TempDir(), "cmdline")
	writeFile(t, cmdline, []byte("ds=nocloud;i=iid-from-cmdline\n"))
	src := &NoCloudSource{Cmdline: cmdline, SysRoot: sysRoot, DevRoot: devRoot, MountDir: t.TempDir()}
	if src.NeedsNetwork() {
		t.Errorf("a volume needs no network")
	}
	l, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.Origin != filepath.Join(devRoot, "vdb") || l.Config.Hostname != "shop-12-node-1" || l.Config.Role != config.RoleServer {
		t.Errorf("layer from %s: %+v", l.Origin, l.Config)
	}
	if l.Config.InstanceID != "iid-from-cmdline" {
		t.Errorf("ds=nocloud;i= should win over meta-data: %q", l.Config.InstanceID)
	}
}

func TestConfigDriveSourceFromVolume(t *testing.T) {
	files := map[string][]byte{}
	for _, name := range []string{"meta_data.json", "network_data.json", "user_data"} {
		files["openstack/latest/"+name] = configtest.ReadFixture(t, "openstack/full/openstack/latest/"+name)
	}
	sysRoot, devRoot := volumetest.BlockTree(t, map[string]func(string){
		"sr0": func(p string) { volumetest.MakeISO(t, p, "config-2", files) },
	})
	src := &ConfigDriveSource{SysRoot: sysRoot, DevRoot: devRoot, MountDir: t.TempDir()}
	l, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.InstanceID != "83679162-1378-4288-a2d4-70e13ec132aa" || l.Config.Role != config.RoleAgent || len(l.Config.Network.Interfaces) != 2 {
		t.Errorf("config drive: %+v", l.Config)
	}
	absent := &ConfigDriveSource{SysRoot: t.TempDir(), DevRoot: t.TempDir(), MountDir: t.TempDir()}
	if l, err := absent.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("no drive: %+v %v", l, err)
	}
}

func TestNoCloudVolumeErrorNamesDeviceAndLine(t *testing.T) {
	sysRoot, devRoot := volumetest.BlockTree(t, map[string]func(string){
		"sr0": func(p string) {
			volumetest.MakeISO(t, p, "cidata", map[string][]byte{
				"meta-data": configtest.ReadFixture(t, "nocloud/bad/meta-data"),
				"user-data": configtest.ReadFixture(t, "nocloud/bad/user-data"),
			})
		},
	})
	src := &NoCloudSource{Cmdline: filepath.Join(sysRoot, "none"), SysRoot: sysRoot, DevRoot: devRoot, MountDir: t.TempDir()}
	_, err := Load(context.Background(), Options{Logger: quiet, Sources: []Source{src}})
	want := "nocloud (" + filepath.Join(devRoot, "sr0") + ") user-data: line 4: node_labels: a list cannot be a mapping"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("want %q in:\n%v", want, err)
	}
}
