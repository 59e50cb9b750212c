package seed

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/metadata"
	"github.com/outpost-os/outpost/services/volume"
)

const userData = "#cloud-config\nhostname: seeded\noutpost:\n  role: server\n"

func TestWriteReadsBackAsNoCloud(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "seed.iso")
	netcfg := []byte("version: 2\nethernets:\n  eth0:\n    dhcp4: true\n")
	if err := Write(path, Files{UserData: []byte(userData), NetworkConfig: netcfg}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// Our own label reader, as the metadata service uses it at boot.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fstype, label, err := volume.ReadLabel(f)
	if err != nil || fstype != volume.FSISO9660 || !strings.EqualFold(label, Label) {
		t.Fatalf("ReadLabel = %q %q %v, want iso9660 cidata", fstype, label, err)
	}

	// go-diskfs's reader sees the three files with their names.
	iso, err := iso9660.Read(file.New(f, true), fi.Size(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"user-data": []byte(userData), "network-config": netcfg} {
		got, err := fs.ReadFile(iso, name)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	meta, err := fs.ReadFile(iso, "meta-data")
	if err != nil || !strings.HasPrefix(string(meta), "instance-id: iid-outpost-") {
		t.Errorf("default meta-data: %q, %v", meta, err)
	}

	// And the NoCloud decoder makes a configuration of it.
	l, err := metadata.ReadNoCloud(iso)
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.Hostname != "seeded" || l.Config.Role != config.RoleServer || len(l.Config.Network.Interfaces) != 1 {
		t.Errorf("decoded seed: %+v", l.Config)
	}
}

func TestWriteReplacesAtomically(t *testing.T) {
	path := filepath.Join(t.TempDir(), "seed.iso")
	if err := Write(path, Files{UserData: []byte(userData), MetaData: []byte("instance-id: one\n")}); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, Files{UserData: []byte(userData), MetaData: []byte("instance-id: two\n")}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	iso, err := iso9660.Read(file.New(f, true), fi.Size(), 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := fs.ReadFile(iso, "meta-data"); string(got) != "instance-id: two\n" {
		t.Errorf("meta-data after rewrite: %q", got)
	}
}

func TestWriteRejectsBadInput(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]Files{
		"user-data is required": {},
		"over the":              {UserData: bytes.Repeat([]byte("x"), MaxFileSize+1)},
	}
	for want, files := range cases {
		path := filepath.Join(dir, "seed.iso")
		err := Write(path, files)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want error containing %q, got %v", want, err)
		}
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("an image was left behind after an error")
		}
	}
	if err := Write(filepath.Join(dir, "missing", "seed.iso"), Files{UserData: []byte(userData)}); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("want an error naming the missing folder, got %v", err)
	}
}
