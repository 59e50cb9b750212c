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

// stopTimeout bounds how long Wait waits for the components to stop once
// the context has ended or one has failed.
const stopTimeout = 20 * time.Second

// ControlPlane is a running kube-apiserver, controller-manager and
// scheduler.
type ControlPlane struct {
	cancel context.CancelFunc
	parent context.Context
	failed chan error
	wg     sync.WaitGroup
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

	cctx, cancel := context.WithCancel(ctx)
	cp := &ControlPlane{cancel: cancel, parent: ctx, failed: make(chan error, 3)}
	log.Debug("starting kube-apiserver", "args", strings.Join(apiArgs, " "))
	cp.run(cctx, "kube-apiserver", apiArgs, runAPIServer)

	rctx, rcancel := context.WithTimeout(cctx, readyTimeout)
	defer rcancel()
	if err := waitReady(rctx, client, cfg.URL(), cp.failed); err != nil {
		cp.stop()
		return nil, err
	}
	log.Info("kube-apiserver is ready", "url", cfg.URL())
	log.Debug("starting kube-controller-manager", "args", strings.Join(kcmArgs, " "))
	cp.run(cctx, "kube-controller-manager", kcmArgs, runControllerManager)
	log.Debug("starting kube-scheduler", "args", strings.Join(schedArgs, " "))
	cp.run(cctx, "kube-scheduler", schedArgs, runScheduler)
	return cp, nil
}

// run starts one component. A component that returns before ctx ends has
// failed, even without an error.
func (cp *ControlPlane) run(ctx context.Context, name string, args []string, fn func(context.Context, []string) error) {
	cp.wg.Go(func() {
		err := fn(ctx, args)
		if ctx.Err() != nil {
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

// stop cancels the components and waits for them up to stopTimeout.
func (cp *ControlPlane) stop() error {
	cp.cancel()
	done := make(chan struct{})
	go func() {
		cp.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("control plane components still running %s after stop", stopTimeout)
	}
}
