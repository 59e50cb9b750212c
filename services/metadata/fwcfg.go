package metadata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// FwCfgModule is the kernel module that exposes QEMU fw_cfg in sysfs; PID 1
// loads it before Load when the kernel has it as a module.
const FwCfgModule = "qemu_fw_cfg"

// FwCfgName is the fw_cfg entry Outpost reads, given to QEMU as
// -fw_cfg name=opt/outpost/config,file=config.yaml.
const FwCfgName = "opt/outpost/config"

// FwCfgSource is QEMU's fw_cfg entry opt/outpost/config: a config.yaml or
// #cloud-config user-data.
type FwCfgSource struct {
	SysRoot string // /sys
}

// Name implements Source.
func (s *FwCfgSource) Name() string { return config.SourceFwCfg }

// Path is the sysfs file the entry is read from.
func (s *FwCfgSource) Path() string {
	return filepath.Join(s.SysRoot, "firmware", "qemu_fw_cfg", "by_name", FwCfgName, "raw")
}

// Fetch implements Source.
func (s *FwCfgSource) Fetch(context.Context) (*config.Layer, error) {
	f, err := os.Open(s.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // not QEMU, no such entry, or the module is not loaded
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Path(), err)
	}
	defer f.Close()
	data, err := readAllLimit(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Path(), err)
	}
	l, err := cloudinit.DecodeConfig(config.SourceFwCfg, data)
	if err != nil {
		return nil, withOrigin(err, FwCfgName)
	}
	l.Origin = FwCfgName
	return l, nil
}
