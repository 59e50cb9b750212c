package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"
)

// runDebug holds helpers the QEMU tests use to exercise PID 1:
// "debug orphan" starts "debug sleep 1s" and exits without waiting, so the
// sleeper becomes an orphan that PID 1 must reap.
func runDebug(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: outpost debug orphan | sleep DURATION")
	}
	switch args[0] {
	case "orphan":
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		cmd := exec.Command(self, "debug", "sleep", "1s")
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start orphan: %w", err)
		}
		fmt.Printf("orphan pid %d\n", cmd.Process.Pid)
		return nil
	case "sleep":
		if len(args) < 2 {
			return fmt.Errorf("usage: outpost debug sleep DURATION")
		}
		d, err := time.ParseDuration(args[1])
		if err != nil {
			return fmt.Errorf("duration %q: %w", args[1], err)
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return nil
	}
	return fmt.Errorf("unknown debug command %q", args[0])
}
