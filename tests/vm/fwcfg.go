package vm

import (
	"path/filepath"
	"testing"
)

// FwCfgConfig writes config (a config.yaml or #cloud-config) to a 0600
// file of the test and returns the QEMU arguments that hand it to the
// guest as the fw_cfg entry opt/outpost/config, the metadata source that
// keeps a token out of every command line.
func FwCfgConfig(t testing.TB, config string) []string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "config.yaml")
	WriteFile(t, f, config)
	return []string{"-fw_cfg", "name=opt/outpost/config,file=" + f}
}
