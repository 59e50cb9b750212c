package metadata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// StateSource is the configuration file on the state partition
// (config.StatePath), the lowest-precedence source and the one a user
// writes to leave maintenance mode. It may be a config.yaml or user-data.
type StateSource struct {
	Path string
}

// Name implements Source.
func (s *StateSource) Name() string { return config.SourceState }

// Fetch implements Source.
func (s *StateSource) Fetch(context.Context) (*config.Layer, error) {
	f, err := os.Open(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", s.Path, err)
	}
	defer f.Close()
	data, err := readAllLimit(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", s.Path, err)
	}
	l, err := cloudinit.DecodeConfig(config.SourceState, data)
	if err != nil {
		return nil, withOrigin(err, s.Path)
	}
	l.Origin = s.Path
	return l, nil
}
