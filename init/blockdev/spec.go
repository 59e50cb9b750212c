package blockdev

import (
	"fmt"
	"strings"

	"github.com/outpost-os/outpost/board/gpt"
)

// Spec is a device as root= names it.
type Spec struct {
	Kind  string // "path", "PARTLABEL" or "PARTUUID"
	Value string
}

// ParseSpec reads /dev/NAME, PARTLABEL=NAME or PARTUUID=UUID.
func ParseSpec(s string) (Spec, error) {
	switch {
	case strings.HasPrefix(s, "/dev/") && len(s) > len("/dev/"):
		return Spec{Kind: "path", Value: s}, nil
	case strings.HasPrefix(s, "PARTLABEL=") && len(s) > len("PARTLABEL="):
		return Spec{Kind: "PARTLABEL", Value: s[len("PARTLABEL="):]}, nil
	case strings.HasPrefix(s, "PARTUUID=") && len(s) > len("PARTUUID="):
		return Spec{Kind: "PARTUUID", Value: strings.ToLower(s[len("PARTUUID="):])}, nil
	}
	return Spec{}, fmt.Errorf("root=%q: name the root as /dev/NAME, PARTLABEL=NAME or PARTUUID=UUID", s)
}

func (s Spec) String() string {
	if s.Kind == "path" {
		return s.Value
	}
	return s.Kind + "=" + s.Value
}

// Match returns the devices s names among devs. PARTUUID reads the
// partition tables of the disks (sysfs does not carry it).
func (s Spec) Match(devs []Device) []Device {
	var out []Device
	for _, d := range devs {
		switch {
		case s.Kind == "path" && d.Path() == s.Value,
			s.Kind == "PARTLABEL" && d.Disk != "" && d.Label == s.Value:
			out = append(out, d)
		}
	}
	if s.Kind == "PARTUUID" {
		out = s.matchUUID(devs)
	}
	return out
}

func (s Spec) matchUUID(devs []Device) []Device {
	var out []Device
	for _, disk := range devs {
		if disk.Disk != "" {
			continue
		}
		t, err := gpt.ReadFile(disk.Path())
		if err != nil {
			continue // no GPT, or no medium
		}
		for _, p := range t.Partitions {
			if p.UUID != s.Value {
				continue
			}
			for _, d := range devs {
				if d.Disk == disk.Name && d.Number == p.Number {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// Explain says why s matches nothing when the reason is on a disk: a
// disk whose partition table holds the partition s names, but which is
// smaller than the table (an image written to a smaller disk: the kernel
// then rejects the table and shows no partitions). It returns nil when it
// finds no such disk.
func (s Spec) Explain(devs []Device) error {
	if s.Kind == "path" {
		return nil
	}
	for _, disk := range devs {
		if disk.Disk != "" {
			continue
		}
		t, err := gpt.ReadFile(disk.Path())
		if err != nil {
			continue
		}
		for _, p := range t.Partitions {
			if p.Name == s.Value || p.UUID == s.Value {
				if err := t.Fits(disk.Path(), disk.Size); err != nil {
					return fmt.Errorf("root %s: %w", s, err)
				}
			}
		}
	}
	return nil
}
