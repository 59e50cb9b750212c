package controlplane

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"k8s.io/client-go/rest"
)

// stopTimeout bounds the whole stop, as long as the grace PID 1 gives the
// role process before SIGKILL (the datastore stops after it);
// controllersStopTimeout bounds its first step, the controller-manager and
// the scheduler, whose usual stop takes about a second (the
// controller-manager's own controller shutdown timeout is 10 s).
const (
	stopTimeout            = 20 * time.Second
	controllersStopTimeout = 8 * time.Second
)

// ControlPlane is a running kube-apiserver, controller-manager and
// scheduler.
type ControlPlane struct {
	parent context.Context
	failed chan error
	// api is kube-apiserver; controllers are the controller-manager and
	// the scheduler, which stop first (see stop).
	api, controllers group
}

// group is components that share one context and stop together.
type group struct {
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newGroup(ctx context.Context) group {
	c, cancel := context.WithCancel(ctx)
	return group{ctx: c, cancel: cancel}
}

// Start runs kube-apiserver, waits up to readyTimeout for its /readyz, then
// starts the controller-manager and the scheduler. On error everything it
// started is stopped.
func Start(ctx context.Context, cfg Config, log *slog.Logger, readyTimeout time.Duration) (*ControlPlane, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	apiArgs, err := cfg.apiServerArgs()
	if err != nil {
		return nil, err
	}
	kcmArgs, err := cfg.controllerManagerArgs()
	if err != nil {
		return nil, err
	}
	schedArgs, err := cfg.schedulerArgs()
	if err != nil {
		return nil, err
	}
	client, err := readinessClient(cfg.Certs)
	if err != nil {
		return nil, err
	}
	// Process-wide and idempotent: the components watch deprecated APIs on
	// purpose, their warnings are noise.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if err := setFeatureGates(cfg.LeaderElect); err != nil {
		return nil, err
	}

	// The components' contexts do not end with ctx: Wait stops them in
	// order once ctx ends.
	own := context.WithoutCancel(ctx)
	cp := &ControlPlane{parent: ctx, failed: make(chan error, 3), api: newGroup(own), controllers: newGroup(own)}
	log.Debug("starting kube-apiserver", "args", strings.Join(apiArgs, " "))
	cp.run(&cp.api, "kube-apiserver", apiArgs, runAPIServer)

	rctx, rcancel := context.WithTimeout(ctx, readyTimeout)
	defer rcancel()
	if err := waitReady(rctx, client, cfg.URL(), cp.failed); err != nil {
		_ = cp.stop()
		return nil, err
	}
	log.Info("kube-apiserver is ready", "url", cfg.URL())
	log.Debug("starting kube-controller-manager", "args", strings.Join(kcmArgs, " "))
	cp.run(&cp.controllers, "kube-controller-manager", kcmArgs, runControllerManager)
	log.Debug("starting kube-scheduler", "args", strings.Join(schedArgs, " "))
	cp.run(&cp.controllers, "kube-scheduler", schedArgs, runScheduler)
	return cp, nil
}

// run starts one component in g. A component that returns before g's
// context ends has failed, even without an error.
func (cp *ControlPlane) run(g *group, name string, args []string, fn func(context.Context, []string) error) {
	g.wg.Go(func() {
		err := fn(g.ctx, args)
		if g.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = fmt.Errorf("%s stopped on its own", name)
		}
		cp.failed <- err
	})
}

// Wait blocks until the parent context ends (then it returns nil once the
// components have stopped) or a component fails (then it stops the others
// and returns that component's error).
func (cp *ControlPlane) Wait() error {
	var err error
	select {
	case <-cp.parent.Done():
	case err = <-cp.failed:
	}
	if stopErr := cp.stop(); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	return err
}

// stop stops the controller-manager and the scheduler (within
// controllersStopTimeout), then kube-apiserver (within what is left of
// stopTimeout). The order matters: the controller-manager exits
// the whole process when kube-apiserver vanishes while it still builds its
// controllers (the namespace controller's discovery calls
// klog.FlushAndExit).
func (cp *ControlPlane) stop() error {
	deadline := time.Now().Add(stopTimeout)
	controllers := cp.controllers.stop("kube-controller-manager and kube-scheduler", controllersStopTimeout)
	return errors.Join(controllers, cp.api.stop("kube-apiserver", time.Until(deadline)))
}

// stop cancels g and waits for its components up to timeout.
func (g *group) stop(what string, timeout time.Duration) error {
	g.cancel()
	done := make(chan struct{})
	go func() {
		g.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("%s still running %s after stop", what, timeout.Round(time.Second))
	}
}
