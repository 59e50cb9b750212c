// Package board holds one definition per supported board: its architecture,
// the Debian kernel package, the console, the modules that must be in the
// initramfs to reach the root device, the modules the running system loads,
// its disk layout and boot method, and how QEMU boots it.
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
	// ConsoleArgs are the kernel's console= arguments; the last one is
	// /dev/console, where PID 1 writes (the serial port QEMU wires to
	// stdio). None lets the firmware name the console.
	ConsoleArgs []string
	// RootDevice is where the read-only root image appears on a direct
	// kernel boot (rootfs.squashfs as a whole disk); a disk boot names its
	// slot's partition on the command line instead.
	RootDevice string
	// RootModules are loaded by stage 1 to reach the root device and the
	// state partition, in any order: their dependencies come from
	// modules.dep.
	RootModules []string
	// Modules are loaded by stage 2 for the board's own devices (power
	// button, network, fw_cfg), besides the Kubernetes ones.
	Modules []string
	// ModuleDirs are the folders under lib/modules/VERSION/kernel copied
	// into the root image (with the dependencies of every module in them).
	ModuleDirs []string
	// EFI is how the board's firmware starts the boot loader.
	EFI EFI
	// QEMU is how the board is emulated.
	QEMU QEMU
}

// EFI describes the UEFI side of a board.
type EFI struct {
	// Arch is the UEFI architecture suffix: x64 or aa64 (BOOTX64.EFI,
	// systemd-bootx64.efi).
	Arch string
}

// QEMU describes the emulator for a board.
type QEMU struct {
	Binary  string
	Machine []string // -M, -cpu and friends
	// NetDevice is the -device model for the user network.
	NetDevice string
	// DiskDevice is the -device model disk.img is attached with
	// (virtio-blk-pci, nvme).
	DiskDevice string
	// Firmware is the UEFI firmware a disk boot starts.
	Firmware Firmware
}

// Firmware is a UEFI firmware from a Debian package: its code (read-only
// flash) and the template of its variable store (a writable copy per VM).
type Firmware struct {
	Package string
	Code    string
	Vars    string
}

// moduleDirs are the parts of the kernel's module tree a node needs:
// networking and netfilter, file systems, crypto, virtio and input.
func moduleDirs() []string {
	return []string{
		"net", "fs", "lib", "crypto", "arch",
		"drivers/virtio", "drivers/block", "drivers/net", "drivers/input",
		"drivers/char", "drivers/firmware", "drivers/gpio", "drivers/md",
		"drivers/scsi", "drivers/ata", "drivers/nvme", "drivers/mmc",
		"drivers/usb", "drivers/acpi", "drivers/rtc", "drivers/watchdog",
	}
}

// slotModules let PID 1 change the entries on the ESP: FAT with its
// default code page (Debian's kernels mount FAT with iocharset ascii,
// which needs no other NLS module).
var slotModules = []string{"vfat", "nls_cp437"}

// Watchdog drivers: QEMU's i6300esb (PCI, on both architectures) and
// those of real machines: Intel's TCO timer on PCs, the SBSA generic
// watchdog on arm64 servers. softdog stands in where a kernel has none of
// them (the cloud kernel): it resets a box whose PID 1 stops, not one
// whose kernel hangs.
var (
	pcWatchdogs  = []string{"i6300esb", "iTCO_wdt"}
	armWatchdogs = []string{"i6300esb", "sbsa_gwdt"}
	softWatchdog = []string{"softdog"}
)

// stateModules reach the state partition's ext4 file system.
var stateModules = []string{"ext4", "crc32c_generic"}

// EFIModules read the boot loader's variables: in the initramfs (a failed
// stage 1 on a new slot's try reboots sooner) and the root image, loaded
// only on a UEFI boot (without EFI they refuse to load).
var EFIModules = []string{"efivarfs"}

// virtioRoot are the modules that reach a virtio disk.
var virtioRoot = []string{"virtio_pci", "virtio_blk", "virtio_scsi", "sd_mod", "squashfs", "overlay"}

// pcStorage are the storage drivers of real machines: NVMe, SATA (AHCI),
// USB sticks and disks, SD and eMMC, on top of the virtio ones.
var pcStorage = []string{"nvme", "ahci", "usb_storage", "uas", "xhci_pci", "ehci_pci", "ohci_pci", "mmc_block", "sdhci_pci", "sdhci_acpi"}

// armStorage are the storage drivers of UEFI arm64 machines.
var armStorage = []string{"nvme", "ahci", "ahci_platform", "usb_storage", "uas", "xhci_pci", "xhci_plat_hcd", "mmc_block", "sdhci_of_arasan", "sdhci_acpi"}

// pcNICs are the network drivers of real PCs.
var pcNICs = []string{"e1000e", "igb", "igc", "r8169", "ixgbe", "virtio_net"}

// armNICs are the common network drivers of arm64 servers and boards.
var armNICs = []string{"virtio_net", "igb", "igc", "ixgbe", "r8169", "e1000e", "stmmac_platform", "dwmac_generic", "mvpp2", "mvneta"}

func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

var (
	ovmf  = Firmware{Package: "ovmf", Code: "/usr/share/OVMF/OVMF_CODE_4M.fd", Vars: "/usr/share/OVMF/OVMF_VARS_4M.fd"}
	aavmf = Firmware{Package: "qemu-efi-aarch64", Code: "/usr/share/AAVMF/AAVMF_CODE.fd", Vars: "/usr/share/AAVMF/AAVMF_VARS.fd"}
	q35   = QEMU{Binary: "qemu-system-x86_64", Machine: []string{"-M", "q35", "-cpu", "max"}, Firmware: ovmf}
	virt  = QEMU{Binary: "qemu-system-aarch64", Machine: []string{"-M", "virt", "-cpu", "cortex-a57"}, Firmware: aavmf}
)

func withDevices(q QEMU, net, disk string) QEMU {
	q.NetDevice, q.DiskDevice = net, disk
	return q
}

// All returns every known board.
func All() []Board {
	return []Board{
		{
			Name:          "qemu-x86_64",
			GoArch:        "amd64",
			DebArch:       "amd64",
			KernelPackage: "linux-image-cloud-amd64",
			ConsoleArgs:   []string{"console=ttyS0"},
			RootDevice:    "/dev/vda",
			RootModules:   join(virtioRoot, stateModules),
			Modules:       join([]string{"virtio_net", "virtio_rng", "qemu_fw_cfg", "button", "evdev"}, slotModules, softWatchdog),
			ModuleDirs:    moduleDirs(),
			EFI:           EFI{Arch: "x64"},
			QEMU:          withDevices(q35, "virtio-net-pci", "virtio-blk-pci"),
		},
		{
			Name:          "qemu-arm64",
			GoArch:        "arm64",
			DebArch:       "arm64",
			KernelPackage: "linux-image-arm64",
			ConsoleArgs:   []string{"console=ttyAMA0"},
			RootDevice:    "/dev/vda",
			RootModules:   join(virtioRoot, stateModules),
			Modules:       join([]string{"virtio_net", "virtio_rng", "qemu_fw_cfg", "gpio_keys", "evdev"}, slotModules, armWatchdogs),
			ModuleDirs:    moduleDirs(),
			EFI:           EFI{Arch: "aa64"},
			QEMU:          withDevices(virt, "virtio-net-pci", "virtio-blk-pci"),
		},
		{
			// A real PC booted from disk.img through UEFI; in QEMU a q35
			// machine with an NVMe disk and an e1000e NIC, so the drivers
			// of real hardware are what runs.
			Name:          "metal-x86_64",
			GoArch:        "amd64",
			DebArch:       "amd64",
			KernelPackage: "linux-image-amd64",
			ConsoleArgs:   []string{"console=tty0", "console=ttyS0,115200"},
			RootDevice:    "/dev/vda",
			RootModules:   join(virtioRoot, pcStorage, stateModules),
			Modules:       join(pcNICs, []string{"virtio_rng", "qemu_fw_cfg", "button", "evdev"}, slotModules, pcWatchdogs),
			ModuleDirs:    moduleDirs(),
			EFI:           EFI{Arch: "x64"},
			QEMU:          withDevices(q35, "e1000e", "nvme"),
		},
		{
			// A UEFI arm64 machine (servers, boards with UEFI firmware).
			// No console= argument: the firmware's ACPI SPCR table or the
			// device tree's stdout-path names the serial console.
			Name:          "metal-arm64",
			GoArch:        "arm64",
			DebArch:       "arm64",
			KernelPackage: "linux-image-arm64",
			ConsoleArgs:   nil,
			RootDevice:    "/dev/vda",
			RootModules:   join(virtioRoot, armStorage, stateModules),
			Modules:       join(armNICs, []string{"virtio_rng", "qemu_fw_cfg", "gpio_keys", "evdev"}, slotModules, armWatchdogs),
			ModuleDirs:    moduleDirs(),
			EFI:           EFI{Arch: "aa64"},
			QEMU:          withDevices(virt, "virtio-net-pci", "nvme"),
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

// PanicReboot is the kernel's panic= argument: a kernel that panics
// reboots after this many seconds instead of hanging.
const PanicReboot = "panic=10"

// KernelArgs are the board's own kernel command line: its consoles and
// the reboot on panic. Boot entries and QEMU add root= and the rest.
func (b Board) KernelArgs() []string {
	return append(append([]string{}, b.ConsoleArgs...), PanicReboot)
}
