package board

import (
	"encoding/json"
	"fmt"
	"os"
)

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
