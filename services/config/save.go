package config

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/atomicfile"
	yaml "go.yaml.in/yaml/v3"
)

// Save writes c to path atomically (a temporary file in the same folder,
// synced, then renamed over path) with mode 0600, since the file may hold the
// join token. The folder is created (0755) when missing.
func Save(path string, c *Config) error {
	data, err := yaml.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode %s: %w", path, err)
	}
	header := []byte("# Written by outpost from the metadata sources; see `outpost config show`.\n")
	return writeAtomic(path, append(header, data...), 0o600)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return atomicfile.Write(path, data, mode)
}
