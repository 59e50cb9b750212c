// Package board holds one definition per supported board: its architecture,
// the Debian kernel package, the console, the modules that must be in the
// initramfs to reach the root device, the modules the running system loads,
// and how QEMU boots it.
package board

import (
	"fmt"
	"sort"
	"strings"
)

// Board describes one kind of hardware (or emulated machine) Outpost runs on.
type Board struct {
	Name string
	// GoArch is the GOARCH of the binaries built for the board.
	GoArch string
	// DebArch is the Debian architecture of its packages.
	DebArch string
	// KernelPackage is the Debian package (usually a metapackage) that
	// names the kernel image to use.
	KernelPackage string
	// Console is the kernel console device, without /dev.
	Console string
	// RootDevice is where the read-only root image appears.
	RootDevice string
	// RootModules are loaded by stage 1 to reach the root device, in any
	// order: their dependencies come from modules.dep.
	RootModules []string
	// Modules are loaded by stage 2 for the board's own devices (power
	// button, network, fw_cfg), besides the Kubernetes ones.
	Modules []string
	// ModuleDirs are the folders under lib/modules/VERSION/kernel copied
	// into the root image (with the dependencies of every module in them).
	ModuleDirs []string
	// QEMU is how the board is emulated.
	QEMU QEMU
}

// QEMU describes the emulator for a board.
type QEMU struct {
	Binary  string
	Machine []string // -M, -cpu and friends
	// NetDevice is the -device model for the user network.
	NetDevice string
}

// moduleDirs are the parts of the kernel's module tree a node needs:
// networking and netfilter, file systems, crypto, virtio and input.
func moduleDirs() []string {
	return []string{
		"net", "fs", "lib", "crypto", "arch",
		"drivers/virtio", "drivers/block", "drivers/net", "drivers/input",
		"drivers/char", "drivers/firmware", "drivers/gpio", "drivers/md",
		"drivers/scsi", "drivers/ata", "drivers/nvme", "drivers/mmc",
		"drivers/usb", "drivers/acpi", "drivers/rtc",
	}
}

// All returns every known board.
func All() []Board {
	return []Board{
		{
			Name:          "qemu-x86_64",
			GoArch:        "amd64",
			DebArch:       "amd64",
			KernelPackage: "linux-image-cloud-amd64",
			Console:       "ttyS0",
			RootDevice:    "/dev/vda",
			RootModules:   []string{"virtio_pci", "virtio_blk", "squashfs", "overlay"},
			Modules:       []string{"virtio_net", "virtio_rng", "qemu_fw_cfg", "button", "evdev"},
			ModuleDirs:    moduleDirs(),
			QEMU: QEMU{
				Binary:    "qemu-system-x86_64",
				Machine:   []string{"-M", "q35", "-cpu", "max"},
				NetDevice: "virtio-net-pci",
			},
		},
		{
			Name:          "qemu-arm64",
			GoArch:        "arm64",
			DebArch:       "arm64",
			KernelPackage: "linux-image-arm64",
			Console:       "ttyAMA0",
			RootDevice:    "/dev/vda",
			RootModules:   []string{"virtio_pci", "virtio_blk", "squashfs", "overlay"},
			Modules:       []string{"virtio_net", "virtio_rng", "qemu_fw_cfg", "gpio_keys", "evdev"},
			ModuleDirs:    moduleDirs(),
			QEMU: QEMU{
				Binary:    "qemu-system-aarch64",
				Machine:   []string{"-M", "virt", "-cpu", "cortex-a57"},
				NetDevice: "virtio-net-pci",
			},
		},
	}
}

// Default is the board used when none is named.
const Default = "qemu-x86_64"

// Lookup finds a board by name, with an error that lists the known ones.
func Lookup(name string) (Board, error) {
	var names []string
	for _, b := range All() {
		if b.Name == name {
			return b, nil
		}
		names = append(names, b.Name)
	}
	sort.Strings(names)
	return Board{}, fmt.Errorf("unknown board %q: choose one of %s", name, strings.Join(names, ", "))
}
