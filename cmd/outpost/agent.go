//go:build !initramfs

package main

import (
	"context"
	"os"
	"time"

	"github.com/outpost-os/outpost/services/agent"
	"github.com/outpost-os/outpost/services/gctune"
)

// runAgent runs the agent role: join a server, run containerd, the kubelet,
// kube-proxy and flannel (see services/agent).
func runAgent(ctx context.Context, args []string) error {
	gctune.Settle(ctx, time.After(gctune.RoleSettle))
	return agent.Command(ctx, os.Args, args)
}
