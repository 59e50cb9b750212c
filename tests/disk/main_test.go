// Package disk_test boots disk.img as users flash it, through UEFI
// firmware (OVMF, AAVMF) and systemd-boot, and proves that a node keeps
// its cluster: the state partition grows to a bigger disk and is named on
// the console with the booted slot; a server survives clean reboots and
// power cuts (during first boot, during image import, under a write
// loop) with every acknowledged write, its CA, tokens and node password;
// the metal-x86_64 board runs on q35 with NVMe and e1000e; a corrupt state
// file system, a missing root slot and a disk smaller than the image are
// clear errors that erase nothing; outpost.wipe=state resets the state
// once. It also builds an image a second time and compares the bytes.
package disk_test

import (
	"testing"

	"github.com/outpost-os/outpost/tests/vm"
)

var images string

func TestMain(m *testing.M) {
	vm.Main(m, &images, "qemu-x86_64", "qemu-arm64", "metal-x86_64", "metal-arm64")
}
