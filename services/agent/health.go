package agent

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/nodewait"
	"github.com/outpost-os/outpost/services/slots"
	"github.com/outpost-os/outpost/services/supervisor"
)

// statusWait bounds how long the role waits for PID 1 to mark a trial
// boot good before it publishes the status as it stands.
const statusWait = 30 * time.Second

// health tells PID 1, through the boot folder, once the node is Ready
// (what marks a new slot good), then publishes the boot's slot status on
// the Node. It does nothing for a role not started by PID 1.
func (r *nodeRun) health(ctx context.Context, env supervisor.Env) error {
	env.Ready()
	dir := r.o.BootDir
	if dir == "" {
		return nil
	}
	cs, err := kubeconfig.Client(r.n.Files.KubeletKubeconfig)
	if err != nil {
		r.log.Error("cannot watch the node's Ready condition; a new slot will not be marked good", "err", err)
		return nil
	}
	w := nodewait.Waiter{Client: cs, Node: r.n.Name, Log: r.log}
	if w.Until(ctx, "the Ready condition", nodewait.IsReady) != nil {
		return nil
	}
	if err := slots.MarkHealthy(dir, "node "+r.n.Name+" is Ready"); err != nil {
		r.log.Error("cannot tell PID 1 the node is healthy", "err", err)
	}
	rep, err := settledReport(ctx, dir)
	if err != nil {
		r.log.Warn("no slot status to publish", "err", err)
		return nil
	}
	publishReport(ctx, r.n.Files.ControllerKubeconfig, r.n.Name, rep, r.log)
	return nil
}

// settledReport reads PID 1's status once it no longer says trial (it
// marks the boot good within a second of the healthy mark), or as it is
// after statusWait.
func settledReport(ctx context.Context, dir string) (slots.Report, error) {
	deadline := time.Now().Add(statusWait)
	for {
		rep, err := slots.ReadReport(dir)
		if err != nil || rep.Upgrade != slots.UpgradeTrial || time.Now().After(deadline) {
			return rep, err
		}
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// publishReport sets the report's annotations on the node.
func publishReport(ctx context.Context, kc, node string, rep slots.Report, log *slog.Logger) {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"annotations": rep.Annotations()}})
	if err == nil {
		err = patchNode(ctx, kc, node, patch, log)
	}
	if err != nil && ctx.Err() == nil {
		log.Error("cannot publish the slot status on the node", "err", err)
		return
	}
	log.Info("slot status published on the node", "slot", rep.Slot, "version", rep.Version, "upgrade", rep.Upgrade)
}
