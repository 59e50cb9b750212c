package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/outpost-os/outpost/init/shutdown"
	"github.com/outpost-os/outpost/init/stage1"
	"github.com/outpost-os/outpost/init/stage2"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/gctune"
	"golang.org/x/sys/unix"
)

// runInit is PID 1: stage 1 in the initramfs (where stage1.Marker exists),
// stage 2 in the root image. Neither returns while PID 1 runs.
func runInit(ctx context.Context, _ []string) error {
	if os.Getpid() != 1 {
		return errors.New("outpost init runs only as PID 1 (what /init and /sbin/init start); to run a node on this host use 'outpost server'")
	}
	gctune.Apply(gctune.Daemon)
	console, stdin := openConsole()
	if _, err := os.Stat(stage1.Marker); err == nil {
		err := stage1.Run(ctx, console)
		params, _ := bootparam.Read("/proc/cmdline")
		shutdown.Emergency(console, fmt.Errorf("stage 1: %w", err), stage1.EmergencyReboot(params))
	}
	stage2.Run(ctx, console, stdin)
	return nil
}

// openConsole returns /dev/console for writing and reading, falling back to
// the descriptors the kernel gave PID 1.
func openConsole() (io.Writer, *os.File) {
	f, err := os.OpenFile("/dev/console", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return os.Stderr, os.Stdin
	}
	return f, f
}
