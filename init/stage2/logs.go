package stage2

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/init/kmsg"
	"github.com/outpost-os/outpost/services/supervisor"
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

// kernelLogService keeps the kernel log in LogDir/kernel.log, beside the
// services' logs: the kubelet's node log endpoint serves that folder.
const kernelLogService = "kernel"

// kernelLogPhase starts copying the kernel log, from the boot's first
// record, into LogDir (restarted with backoff if the copy fails).
func (s *init2) kernelLogPhase(ctx context.Context) error {
	return s.sup.Start(ctx, []supervisor.Service{{
		Name: kernelLogService,
		Run: func(ctx context.Context, env supervisor.Env) error {
			env.Ready()
			return kmsg.Copy(ctx, kmsg.Device, env.Log)
		},
	}})
}
