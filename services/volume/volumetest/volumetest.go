// Package volumetest makes the volumes package volume reads, for tests:
// ISO9660 and FAT images written with go-diskfs, and a sysfs and /dev tree
// whose "devices" are such image files.
package volumetest

import (
	"os"
	"path"
	"path/filepath"
	"testing"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/fat12"
	"github.com/diskfs/go-diskfs/filesystem/fat16"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"
)

// MakeISO writes an ISO9660 image with Rock Ridge, as genisoimage -r -J
// makes a NoCloud seed.
func MakeISO(t testing.TB, path, label string, files map[string][]byte) {
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

// MakeFAT writes a FAT12, FAT16 or FAT32 image (bits) with go-diskfs.
func MakeFAT(t testing.TB, path string, bits int, label string, files map[string][]byte) {
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

func writeFiles(t testing.TB, fsys filesystem.FileSystem, files map[string][]byte) {
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

// BlockTree lays out a sysfs class/block folder and a /dev folder whose
// "devices" are image files, as volume.Find sees them on a node. A nil
// maker gives a device without media.
func BlockTree(t testing.TB, devices map[string]func(path string)) (sysRoot, devRoot string) {
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
		WriteFile(t, filepath.Join(sysRoot, "class", "block", name, "size"), []byte(size))
	}
	return sysRoot, devRoot
}

// WriteFile writes a file, making its folders.
func WriteFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
