// Package blockdev finds block devices without udev: disks and their
// partitions from sysfs (with each partition's GPT name), a root named as
// the kernel command line names it (/dev/vda, PARTLABEL=, PARTUUID=), the
// size of a device, and telling the kernel that a partition grew.
package blockdev

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// SysBlock is where the kernel lists block devices.
const SysBlock = "/sys/class/block"

// Device is a disk or a partition.
type Device struct {
	Name string // vda2
	// Disk is the disk holding a partition (vda); "" for a disk.
	Disk string
	// Number is a partition's number in its table; 0 for a disk.
	Number int
	// Label is a GPT partition's name (PARTNAME).
	Label string
	Size  int64 // bytes
	// Node, when set, is the device's node instead of /dev/Name (a file
	// standing in for a device in tests).
	Node string
}

// Path is the device node.
func (d Device) Path() string {
	if d.Node != "" {
		return d.Node
	}
	return "/dev/" + d.Name
}

// DiskPath is the node of the disk holding a partition (or of the disk).
func (d Device) DiskPath() string {
	if d.Disk == "" {
		return d.Path()
	}
	return "/dev/" + d.Disk
}

func (d Device) String() string {
	if d.Label != "" {
		return fmt.Sprintf("%s (%s)", d.Path(), d.Label)
	}
	return d.Path()
}

// Scan lists the block devices in sys (SysBlock), sorted by name.
func Scan(sys string) ([]Device, error) {
	entries, err := os.ReadDir(sys)
	if err != nil {
		return nil, fmt.Errorf("list block devices: %w", err)
	}
	var out []Device
	for _, e := range entries {
		d, err := read(sys, e.Name())
		if err != nil {
			continue // gone again, or not readable: not a device to boot from
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func read(sys, name string) (Device, error) {
	dir := filepath.Join(sys, name)
	ev, err := uevent(filepath.Join(dir, "uevent"))
	if err != nil {
		return Device{}, err
	}
	d := Device{Name: name, Label: ev["PARTNAME"]}
	if ev["DEVTYPE"] == "partition" {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return Device{}, err
		}
		d.Disk = filepath.Base(filepath.Dir(real))
		d.Number, _ = strconv.Atoi(ev["PARTN"])
	}
	sectors, err := os.ReadFile(filepath.Join(dir, "size"))
	if err != nil {
		return Device{}, err
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(sectors)), 10, 64)
	if err != nil {
		return Device{}, fmt.Errorf("size of %s: %w", name, err)
	}
	d.Size = n * 512 // sysfs counts 512-byte sectors whatever the disk's
	return d, nil
}

// uevent reads KEY=VALUE lines.
func uevent(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), "="); ok {
			out[k] = v
		}
	}
	return out, s.Err()
}

// PartitionOf returns the partition labelled label on disk.
func PartitionOf(devs []Device, disk, label string) (Device, bool) {
	for _, d := range devs {
		if d.Disk == disk && d.Label == label {
			return d, true
		}
	}
	return Device{}, false
}
