//go:build shim

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/manager"
	"github.com/containerd/containerd/v2/pkg/shim"

	// The runc shim's task service.
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/task/plugin"

	"github.com/outpost-os/outpost/services/gctune"
)

// shimEnv marks a process started by the shim itself: to become the
// long-running shim, `containerd-shim-runc-v2 start` runs its own executable
// (/proc/self/exe), whatever that file is named.
const shimEnv = "OUTPOST_CONTAINERD_SHIM"

// shimCommands is containerd's runc v2 shim, built in with -tags shim (the
// outpost-shim flavour): one process per pod, so it carries nothing else
// of containerd.
func shimCommands() []command {
	return []command{
		{"containerd-shim-runc-v2", "containerd's runc v2 shim (also as a link of that name)", runShim},
	}
}

// shimAlias maps the names the shim is started as to its command.
func shimAlias(base string) string {
	if base == "containerd-shim-runc-v2" || os.Getenv(shimEnv) == "1" {
		return "containerd-shim-runc-v2"
	}
	return ""
}

// runShim is upstream containerd-shim-runc-v2's main; it parses os.Args
// itself and exits on errors.
func runShim(_ context.Context, args []string) error {
	signal.Reset(syscall.SIGTERM, os.Interrupt)
	os.Setenv(shimEnv, "1")
	gctune.Apply(gctune.Daemon)
	os.Args = append([]string{"containerd-shim-runc-v2"}, args...)
	shim.RunShim(context.Background(), manager.NewShimManager("io.containerd.runc.v2"))
	return nil
}
