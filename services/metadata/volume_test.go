package metadata

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/fat12"
	"github.com/diskfs/go-diskfs/filesystem/fat16"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/outpost-os/outpost/services/config"
)

// makeISO writes an ISO9660 image with Rock Ridge, as genisoimage -r -J
// makes a NoCloud seed.
func makeISO(t *testing.T, path, label string, files map[string][]byte) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	iso, err := iso9660.Create(file.New(f, false), 0, 0, 2048, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, iso, files)
	if err := iso.Finalize(iso9660.FinalizeOptions{RockRidge: true, Joliet: true, VolumeIdentifier: label}); err != nil {
		t.Fatal(err)
	}
}

// makeFAT writes a FAT12, FAT16 or FAT32 image with go-diskfs.
func makeFAT(t *testing.T, path string, bits int, label string, files map[string][]byte) {
	t.Helper()
	sizes := map[int]int64{12: 2 << 20, 16: 20 << 20, 32: 40 << 20}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(sizes[bits]); err != nil {
		t.Fatal(err)
	}
	b := file.New(f, false)
	var fsys filesystem.FileSystem
	switch bits {
	case 12:
		fsys, err = fat12.Create(b, sizes[bits], 0, 512, label, true)
	case 16:
		fsys, err = fat16.Create(b, sizes[bits], 0, 512, label, true)
	default:
		fsys, err = fat32.Create(b, sizes[bits], 0, 512, label, true)
	}
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, fsys, files)
}

func writeFiles(t *testing.T, fsys filesystem.FileSystem, files map[string][]byte) {
	t.Helper()
	for name, data := range files {
		if dir := path.Dir(name); dir != "." {
			if err := fsys.Mkdir("/" + dir); err != nil {
				t.Fatal(err)
			}
		}
		w, err := fsys.OpenFile("/"+name, os.O_CREATE|os.O_RDWR)
		if err != nil {
			t.Fatalf("create %s: %v", name, err)
		}
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
}

func noCloudFixture(t *testing.T) map[string][]byte {
	out := map[string][]byte{}
	for _, name := range []string{"meta-data", "user-data", "network-config"} {
		out[name] = readFixture(t, "nocloud/full/"+name)
	}
	return out
}

func TestReadLabel(t *testing.T) {
	dir := t.TempDir()
	seed := map[string][]byte{"user-data": []byte("#cloud-config\n")}
	cases := []struct {
		name, fstype, label string
		make                func(string)
	}{
		{"iso", FSISO9660, "cidata", func(p string) { makeISO(t, p, "cidata", seed) }},
		{"fat12", FSVFAT, "CIDATA", func(p string) { makeFAT(t, p, 12, "CIDATA", seed) }},
		{"fat16", FSVFAT, "config-2", func(p string) { makeFAT(t, p, 16, "config-2", seed) }},
		{"fat32", FSVFAT, "cidata", func(p string) { makeFAT(t, p, 32, "cidata", seed) }},
	}
	for _, c := range cases {
		p := filepath.Join(dir, c.name)
		c.make(p)
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		fstype, label, err := ReadLabel(f)
		f.Close()
		if err != nil || fstype != c.fstype || !strings.EqualFold(label, c.label) {
			t.Errorf("%s: %q %q %v, want %s %s", c.name, fstype, label, err, c.fstype, c.label)
		}
	}
	blank := filepath.Join(dir, "blank")
	writeFile(t, blank, make([]byte, 1<<20))
	f, _ := os.Open(blank)
	defer f.Close()
	if _, _, err := ReadLabel(f); !errors.Is(err, ErrUnknownFilesystem) {
		t.Errorf("blank disk: %v", err)
	}
}

// blockTree lays out a sysfs class/block folder and a /dev folder whose
// "devices" are image files, as FindVolume sees them on a node.
func blockTree(t *testing.T, devices map[string]func(path string)) (sysRoot, devRoot string) {
	t.Helper()
	root := t.TempDir()
	sysRoot, devRoot = filepath.Join(root, "sys"), filepath.Join(root, "dev")
	if err := os.MkdirAll(devRoot, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, mk := range devices {
		size := "0\n"
		if mk != nil {
			mk(filepath.Join(devRoot, name))
			size = "4096\n"
		}
		writeFile(t, filepath.Join(sysRoot, "class", "block", name, "size"), []byte(size))
	}
	return sysRoot, devRoot
}

func TestFindVolumeAndReadWithoutMount(t *testing.T) {
	sysRoot, devRoot := blockTree(t, map[string]func(string){
		"loop0": nil, // no media
		"vda":   func(p string) { writeFile(t, p, make([]byte, 1<<20)) },
		"vdb":   func(p string) { makeFAT(t, p, 16, "DATA", nil) },
		"sr0":   func(p string) { makeISO(t, p, "cidata", noCloudFixture(t)) },
	})
	v, err := FindVolume(sysRoot, devRoot, "cidata", "CIDATA")
	if err != nil || v == nil {
		t.Fatalf("FindVolume: %+v %v", v, err)
	}
	if v.Device != filepath.Join(devRoot, "sr0") || v.FSType != FSISO9660 {
		t.Errorf("found %+v", v)
	}
	fsys, release, err := OpenVolume(v, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	got, err := fs.ReadFile(fsys, "user-data")
	if err != nil || string(got) != string(readFixture(t, "nocloud/full/user-data")) {
		t.Errorf("user-data from the image: %q %v", got, err)
	}
	if none, err := FindVolume(sysRoot, devRoot, "config-2"); none != nil || err != nil {
		t.Errorf("config-2 should not be found: %+v %v", none, err)
	}
	if none, err := FindVolume(filepath.Join(sysRoot, "missing"), devRoot, "cidata"); none != nil || err != nil {
		t.Errorf("no sysfs: %+v %v", none, err)
	}
}

func TestNoCloudSourceFromVFATVolume(t *testing.T) {
	sysRoot, devRoot := blockTree(t, map[string]func(string){
		"vdb": func(p string) { makeFAT(t, p, 12, "CIDATA", noCloudFixture(t)) },
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
		files["openstack/latest/"+name] = readFixture(t, "openstack/full/openstack/latest/"+name)
	}
	sysRoot, devRoot := blockTree(t, map[string]func(string){
		"sr0": func(p string) { makeISO(t, p, "config-2", files) },
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
	sysRoot, devRoot := blockTree(t, map[string]func(string){
		"sr0": func(p string) {
			makeISO(t, p, "cidata", map[string][]byte{
				"meta-data": readFixture(t, "nocloud/bad/meta-data"),
				"user-data": readFixture(t, "nocloud/bad/user-data"),
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
