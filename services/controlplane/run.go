package controlplane

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"k8s.io/client-go/rest"

	"github.com/outpost-os/outpost/services/supervisor"
)

// The components' service names.
const (
	APIServerService         = "kube-apiserver"
	ControllerManagerService = "kube-controller-manager"
	SchedulerService         = "kube-scheduler"
)

// apiStopTimeout bounds kube-apiserver's stop; controllersStopTimeout
// bounds the controller-manager's and the scheduler's, whose usual stop
// takes about a second (the controller-manager's own controller shutdown
// timeout is 10 s).
const (
	apiStopTimeout         = 12 * time.Second
	controllersStopTimeout = 8 * time.Second
)

// Services are the three components as supervisor services. config is
// called as kube-apiserver starts, since the datastore's endpoints are
// known only once it runs; apiDeps are the services kube-apiserver needs
// ready first (the datastore, the egress proxy). kube-apiserver is ready
// once its /readyz answers (within readyTimeout); the controller-manager
// and the scheduler start after it and so stop before it: upstream's
// controller-manager ends the whole process (klog.FlushAndExit) when
// kube-apiserver vanishes while it still builds its controllers. Each
// component is Fatal: none can be restarted inside the process.
func Services(config func() Config, log *slog.Logger, readyTimeout time.Duration, apiDeps ...string) []supervisor.Service {
	var cfg Config // set by kube-apiserver's start, read by the others after it is ready
	api := supervisor.Service{
		Name: APIServerService, DependsOn: apiDeps, Fatal: true, NoLog: true, StopTimeout: apiStopTimeout,
		Run: func(ctx context.Context, env supervisor.Env) error {
			cfg = config()
			return runAPIService(ctx, env, cfg, log, readyTimeout)
		},
	}
	component := func(name string, args func(Config) ([]string, error), run func(context.Context, []string) error) supervisor.Service {
		return supervisor.Service{
			Name: name, DependsOn: []string{APIServerService}, Fatal: true, NoLog: true, StopTimeout: controllersStopTimeout,
			Run: func(ctx context.Context, env supervisor.Env) error {
				a, err := args(cfg)
				if err != nil {
					return err
				}
				log.Debug("starting "+name, "args", strings.Join(a, " "))
				env.Ready()
				return run(ctx, a)
			},
		}
	}
	return []supervisor.Service{
		api,
		component(ControllerManagerService, Config.controllerManagerArgs, runControllerManager),
		component(SchedulerService, Config.schedulerArgs, runScheduler),
	}
}

// runAPIService runs kube-apiserver and marks it ready once /readyz
// answers 200. If it is not ready within readyTimeout it is stopped (for
// as long as its stop may take) and the error returned.
func runAPIService(ctx context.Context, env supervisor.Env, cfg Config, log *slog.Logger, readyTimeout time.Duration) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	args, err := cfg.apiServerArgs()
	if err != nil {
		return err
	}
	client, err := readinessClient(cfg.Certs)
	if err != nil {
		return err
	}
	// Process-wide and idempotent: the components watch deprecated APIs on
	// purpose, their warnings are noise.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})
	if err := setFeatureGates(cfg.LeaderElect); err != nil {
		return err
	}
	actx, stop := context.WithCancel(ctx)
	defer stop()
	var runErr error
	ended := make(chan struct{})
	log.Debug("starting kube-apiserver", "args", strings.Join(args, " "))
	go func() {
		defer close(ended)
		runErr = stoppedOnItsOwn(actx, APIServerService, runAPIServer(actx, args))
	}()

	rctx, rcancel := context.WithTimeout(ctx, readyTimeout)
	defer rcancel()
	if err := waitReady(rctx, client, cfg.URL(), ended); err != nil {
		stop()
		select {
		case <-ended:
			if runErr != nil {
				return runErr
			}
		case <-time.After(apiStopTimeout):
			err = fmt.Errorf("%w (and kube-apiserver still running %s after stop)", err, apiStopTimeout)
		}
		return err
	}
	log.Info("kube-apiserver is ready", "url", cfg.URL())
	env.Ready()
	<-ended
	return runErr
}

// stoppedOnItsOwn turns a component's return before its context ended
// into an error, even when it gave none.
func stoppedOnItsOwn(ctx context.Context, name string, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	if err == nil {
		err = fmt.Errorf("%s stopped on its own", name)
	}
	return err
}
