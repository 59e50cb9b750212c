package board

import (
	"fmt"

	"github.com/outpost-os/outpost/services/slots"
)

// GPT names of the partitions of disk.img, the user's interface: stage 1,
// the upgrade and tools find partitions by them.
const (
	PartESP   = "outpost-esp"
	PartRootA = "outpost-root-a"
	PartRootB = "outpost-root-b"
	PartState = "outpost-state"
)

// Slots are the root slots, in partition order.
var Slots = []string{"a", "b"}

// RootPartition is the GPT name of a slot's root partition (named once,
// by the slots package, which PID 1 and the upgrade share).
func RootPartition(slot string) string { return slots.RootPartition(slot) }

// Partition type GUIDs of the UAPI Discoverable Partitions Specification.
const (
	TypeESP       = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
	TypeRootX8664 = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"
	TypeRootARM64 = "B921B045-1DF0-41C3-AF44-4C6F280D3FAE"
	// TypeVar is the /var partition's type: the state partition is
	// mounted there.
	TypeVar = "4D21B016-B534-45C2-A9FB-5C16E091FD2D"
)

// RootType is the type GUID of the board's root partitions.
func (b Board) RootType() (string, error) {
	switch b.GoArch {
	case "amd64":
		return TypeRootX8664, nil
	case "arm64":
		return TypeRootARM64, nil
	}
	return "", fmt.Errorf("board %s: no root partition type for architecture %s", b.Name, b.GoArch)
}

// Sizes of disk.img's partitions. The ESP holds systemd-boot and the
// kernel and initrd of both slots; a root slot has room for images much
// larger than today's; the state partition is small in the image and
// grows to fill the disk on first boot.
const (
	MiB = 1 << 20
	// DiskAlign is where partitions start and how their sizes round.
	DiskAlign = 1 * MiB
	ESPSize   = 512 * MiB
	SlotSize  = 1024 * MiB
	StateSize = 256 * MiB
)

// Partition is one entry of the disk layout.
type Partition struct {
	Name string
	Type string
	Size int64
}

// DiskLayout is disk.img's partition table in order; the state partition
// is last so that it can grow.
func (b Board) DiskLayout() ([]Partition, error) {
	root, err := b.RootType()
	if err != nil {
		return nil, err
	}
	return []Partition{
		{Name: PartESP, Type: TypeESP, Size: ESPSize},
		{Name: PartRootA, Type: root, Size: SlotSize},
		{Name: PartRootB, Type: root, Size: SlotSize},
		{Name: PartState, Type: TypeVar, Size: StateSize},
	}, nil
}
