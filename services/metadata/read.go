package metadata

import (
	"fmt"
	"io"

	"github.com/outpost-os/outpost/services/config"
)

// readAllLimit reads r to the end, refusing more than config.MaxSize bytes.
func readAllLimit(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, config.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > config.MaxSize {
		return nil, fmt.Errorf("over the %d byte limit", config.MaxSize)
	}
	return data, nil
}
