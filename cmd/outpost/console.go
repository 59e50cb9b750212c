package main

import (
	"context"
	"fmt"
	"os"

	"github.com/outpost-os/outpost/services/console"
	"github.com/outpost-os/outpost/services/gctune"
)

// runConsole serves the debug console on stdin and stdout.
func runConsole(ctx context.Context, _ []string) error {
	gctune.Apply(gctune.Daemon)
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find own binary: %w", err)
	}
	code := console.Console{In: os.Stdin, Out: os.Stdout, Self: self}.Serve(ctx)
	if code != 0 {
		os.Exit(code)
	}
	return nil
}
