package board

import (
	"encoding/json"
	"fmt"
	"os"
)

// BootInfoPath is where the image builder leaves BootInfo, both in the
// initramfs and in the root image.
const BootInfoPath = "/usr/lib/outpost/boot.json"

// InitBinaryPath is where the root image keeps the outpost build without
// Kubernetes (-tags initramfs): PID 1, the kernel's modprobe and the debug
// console run it; the role process runs the full /usr/bin/outpost.
const InitBinaryPath = "/usr/lib/outpost/init"

// RuntimeBinaryPath is where the root image keeps the container runtime
// build (-tags initramfs,containerd): containerd, also linked as
// /usr/bin/containerd.
const RuntimeBinaryPath = "/usr/lib/outpost/containerd"

// ShimBinaryPath is where the root image keeps the shim build (-tags
// initramfs,shim): containerd's runc v2 shim, one process per pod, also
// linked as /usr/bin/containerd-shim-runc-v2 (containerd finds it by name
// in PATH).
const ShimBinaryPath = "/usr/lib/outpost/containerd-shim-runc-v2"

// BootInfo is what PID 1 needs to know about the image it runs from.
type BootInfo struct {
	Board         string   `json:"board"`
	KernelVersion string   `json:"kernel_version"`
	RootDevice    string   `json:"root_device"`
	RootModules   []string `json:"root_modules"`
	Modules       []string `json:"modules"`
}

// BootInfo returns the boot facts of this board for a kernel version.
func (b Board) BootInfo(kernelVersion string) BootInfo {
	return BootInfo{
		Board:         b.Name,
		KernelVersion: kernelVersion,
		RootDevice:    b.RootDevice,
		RootModules:   b.RootModules,
		Modules:       b.Modules,
	}
}

// ReadBootInfo reads the boot facts left by the image builder.
func ReadBootInfo(path string) (BootInfo, error) {
	var bi BootInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return bi, fmt.Errorf("read boot info: %w (was the image built by 'outpost image build'?)", err)
	}
	if err := json.Unmarshal(data, &bi); err != nil {
		return bi, fmt.Errorf("parse boot info %s: %w", path, err)
	}
	return bi, nil
}

// E2fsckPath is Debian's static e2fsck in the initramfs: stage 1 checks
// the state partition with it before mounting.
const E2fsckPath = "/sbin/e2fsck"

// StateTemplatePath is the empty state file system in the initramfs,
// gzip-compressed: what outpost.wipe=state writes back (a factory reset
// needs no mkfs at boot).
const StateTemplatePath = "/usr/lib/outpost/state.img.gz"
