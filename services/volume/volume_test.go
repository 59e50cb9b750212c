package volume

import (
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/services/volume/volumetest"
)

// noCloudSeed is what a NoCloud cidata volume holds.
var noCloudSeed = map[string][]byte{
	"meta-data":      []byte("instance-id: iid-shop12-node1\nlocal-hostname: meta-hostname\n"),
	"user-data":      []byte("#cloud-config\nhostname: shop-12-node-1\noutpost:\n  role: server\n  cluster_init: true\n  node_labels:\n    site: shop-12\n"),
	"network-config": []byte("version: 2\nethernets:\n  eth0:\n    dhcp4: true\n"),
}

func TestFindVolumeAndReadWithoutMount(t *testing.T) {
	sysRoot, devRoot := volumetest.BlockTree(t, map[string]func(string){
		"loop0": nil, // no media
		"vda":   func(p string) { volumetest.WriteFile(t, p, make([]byte, 1<<20)) },
		"vdb":   func(p string) { volumetest.MakeFAT(t, p, 16, "DATA", nil) },
		"sr0":   func(p string) { volumetest.MakeISO(t, p, "cidata", noCloudSeed) },
	})
	v, err := Find(sysRoot, devRoot, "cidata", "CIDATA")
	if err != nil || v == nil {
		t.Fatalf("Find: %+v %v", v, err)
	}
	if v.Device != filepath.Join(devRoot, "sr0") || v.FSType != FSISO9660 {
		t.Errorf("found %+v", v)
	}
	fsys, release, err := Open(v, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	got, err := fs.ReadFile(fsys, "user-data")
	if err != nil || string(got) != string(noCloudSeed["user-data"]) {
		t.Errorf("user-data from the image: %q %v", got, err)
	}
	if none, err := Find(sysRoot, devRoot, "config-2"); none != nil || err != nil {
		t.Errorf("config-2 should not be found: %+v %v", none, err)
	}
	if none, err := Find(filepath.Join(sysRoot, "missing"), devRoot, "cidata"); none != nil || err != nil {
		t.Errorf("no sysfs: %+v %v", none, err)
	}
}
