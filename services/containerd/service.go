package containerd

import (
	"context"
	"fmt"
	"time"

	criclient "k8s.io/cri-client/pkg"

	"github.com/outpost-os/outpost/services/supervisor"
)

// ServiceName is containerd's service name, and so its log:
// /var/log/outpost/containerd.log.
const ServiceName = "containerd"

// Command is containerd as a child process: the runtime build started as
// `containerd --config FILE`. It is ready once it answers CRI.
func (c Config) Command() supervisor.Command {
	return supervisor.Command{
		Path:  c.Binary,
		Argv0: "containerd",
		Args:  []string{"--config", c.ConfigFile},
		Env:   c.Env(),
		Ready: c.WaitReady,
		// containerd stops its gRPC servers and plugins on SIGTERM; the
		// shims and so the pods keep running.
		Grace: 10 * time.Second,
	}
}

// Service is containerd under the supervisor: each start writes the config
// anew, then runs Command; when containerd dies it is started again.
func (c Config) Service(starter supervisor.Starter) supervisor.Service {
	run := supervisor.Process(c.Command(), starter)
	return supervisor.Service{
		Name:        ServiceName,
		StopTimeout: 15 * time.Second,
		Run: func(ctx context.Context, env supervisor.Env) error {
			if err := c.WriteConfig(); err != nil {
				return err
			}
			return run(ctx, env)
		},
	}
}

// WaitReady waits until containerd answers a CRI Version call on the
// socket, or ctx ends.
func (c Config) WaitReady(ctx context.Context) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		if err = c.Ping(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containerd at %s not ready: %w (last: %v)", c.Socket, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// Ping makes one CRI Version call.
func (c Config) Ping(ctx context.Context) error {
	rs, err := criclient.NewRemoteRuntimeServiceBuilder().
		WithEndpoint(c.Endpoint()).
		WithConnectionTimeout(2 * time.Second).
		WithTracerProvider(nil).
		Build(ctx)
	if err != nil {
		return err
	}
	return rs.Close(ctx)
}
