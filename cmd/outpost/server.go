//go:build !initramfs

package main

import (
	"context"
	"os"
	"time"

	"github.com/outpost-os/outpost/services/gctune"
	"github.com/outpost-os/outpost/services/server"
)

// runServer runs the server role: the Kubernetes control plane in this
// process (see services/server).
func runServer(ctx context.Context, args []string) error {
	gctune.Settle(ctx, time.After(gctune.RoleSettle))
	return server.Command(ctx, os.Args, args)
}
