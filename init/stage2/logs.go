package stage2

import (
	"fmt"
	"os"
	"path/filepath"
)

// PreviousLogs holds the service logs of the boot before this one, under
// LogDir.
const PreviousLogs = "previous"

// keepPreviousLogs moves the logs the last boot left in dir (on the state
// partition) into dir/previous, replacing the ones from the boot before,
// so a person can read why a box rebooted. On a tmpfs /var there are none.
func keepPreviousLogs(dir string) error {
	logs, err := filepath.Glob(filepath.Join(dir, "*.log*"))
	if err != nil || len(logs) == 0 {
		return err
	}
	prev := filepath.Join(dir, PreviousLogs)
	if err := os.RemoveAll(prev); err != nil {
		return fmt.Errorf("drop the logs of two boots ago: %w", err)
	}
	if err := os.Mkdir(prev, 0o755); err != nil {
		return fmt.Errorf("keep the last boot's logs: %w", err)
	}
	for _, l := range logs {
		if err := os.Rename(l, filepath.Join(prev, filepath.Base(l))); err != nil {
			return fmt.Errorf("keep the last boot's logs: %w", err)
		}
	}
	return nil
}
