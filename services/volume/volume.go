// Package volume finds the small labelled volumes a box is given its
// metadata on (a NoCloud cidata or an OpenStack config-2 drive, ISO9660 or
// FAT) and opens them read-only. There is no udev: devices are listed from
// sysfs and labels read from the superblock itself (label.go); a volume is
// mounted read-only for the time it is read, or read in user space when
// the kernel cannot mount it (open_linux.go).
package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Modules are the kernel modules that let the kernel mount NoCloud and
// config-drive volumes. PID 1 loads them when they exist; without them the
// volumes are read in user space, which is slower but works.
func Modules() []string {
	return []string{"isofs", "vfat", "nls_cp437", "nls_iso8859_1"}
}

// Volume is a block device that holds a labelled file system.
type Volume struct {
	Device string // e.g. /dev/sr0
	FSType string // FSISO9660 or FSVFAT
	Label  string
}

// Find scans sysRoot/class/block for a device whose file system label is
// one of labels (compared without case, as cloud-init does) and returns
// the first in name order. It returns (nil, nil) when there is none.
// Devices that cannot be opened or read are skipped: they are not ours.
func Find(sysRoot, devRoot string, labels ...string) (*Volume, error) {
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
