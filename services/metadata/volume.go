package metadata

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/outpost-os/outpost/services/config"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// VolumeModules are the kernel modules that let the kernel mount NoCloud and
// config-drive volumes. PID 1 loads them when they exist; without them the
// volumes are read in user space, which is slower but works.
func VolumeModules() []string {
	return []string{"isofs", "vfat", "nls_cp437", "nls_iso8859_1"}
}

// Volume is a block device that holds a labelled file system.
type Volume struct {
	Device string // e.g. /dev/sr0
	FSType string // FSISO9660 or FSVFAT
	Label  string
}

// FindVolume scans sysRoot/class/block for a device whose file system label
// is one of labels (compared without case, as cloud-init does) and returns
// the first in name order. It returns (nil, nil) when there is none. Devices
// that cannot be opened or read are skipped: they are not ours.
func FindVolume(sysRoot, devRoot string, labels ...string) (*Volume, error) {
	dir := filepath.Join(sysRoot, "class", "block")
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list block devices: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	for _, name := range names {
		if !hasSize(filepath.Join(dir, name, "size")) {
			continue
		}
		if v := probe(filepath.Join(devRoot, name), labels); v != nil {
			return v, nil
		}
	}
	return nil, nil
}

// hasSize tells whether a block device has media (size in sectors > 0).
func hasSize(path string) bool {
	data, err := os.ReadFile(path)
	s := strings.TrimSpace(string(data))
	return err == nil && s != "" && s != "0"
}

func probe(dev string, labels []string) *Volume {
	f, err := os.Open(dev)
	if err != nil {
		return nil
	}
	defer f.Close()
	fstype, label, err := ReadLabel(f)
	if err != nil || label == "" {
		return nil
	}
	for _, want := range labels {
		if strings.EqualFold(label, want) {
			return &Volume{Device: dev, FSType: fstype, Label: label}
		}
	}
	return nil
}

// readLabelled finds the volume with label, opens it (mounted read-only at
// mountDir, or read in user space) and decodes it with read. No such volume
// gives no layer and no error; the layer's origin is the device.
func readLabelled(sysRoot, devRoot, mountDir, label string, read func(fs.FS) (*config.Layer, error)) (*config.Layer, error) {
	v, err := FindVolume(sysRoot, devRoot, label)
	if err != nil || v == nil {
		return nil, err
	}
	fsys, release, err := OpenVolume(v, mountDir)
	if err != nil {
		return nil, err
	}
	defer release()
	l, err := read(fsys)
	if err != nil {
		return nil, withOrigin(err, v.Device)
	}
	l.Origin = v.Device
	return l, nil
}
