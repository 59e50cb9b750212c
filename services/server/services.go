package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/outpost-os/outpost/services/agent"
	"github.com/outpost-os/outpost/services/controlplane"
	"github.com/outpost-os/outpost/services/datastore"
	"github.com/outpost-os/outpost/services/slots"
	"github.com/outpost-os/outpost/services/supervisor"
)

// Service names of the server's own parts; the datastore's, the control
// plane's and the embedded agent's come from their packages.
const (
	tunnelService  = "tunnel"
	joinAPIService = "join-api"
	addonsService  = "addons"
)

// readyTimeout bounds the wait for kube-apiserver's /readyz.
const readyTimeout = 5 * time.Minute

// services is the server as a start graph: the egress proxy and the
// datastore, then kube-apiserver, the controller-manager and the
// scheduler, then the join API (which writes the admin kubeconfig and
// prints the ready message), then the add-ons and the embedded agent's
// node. The supervisor starts each once what it depends on is ready and
// stops them in the reverse order. Building the graph runs nothing: the
// parts read what the boot made (certificates, tokens) when they start.
func (b *boot) services(out io.Writer) []supervisor.Service {
	svcs := []supervisor.Service{
		b.tunnelService(),
		datastore.Service(func() datastore.Config { return withEtcdCerts(b.dsCfg, b.certs) }, b.log, func(be *datastore.Backend) { b.backend = be }),
	}
	svcs = append(svcs, controlplane.Services(b.withStorage, b.log, readyTimeout, tunnelService, datastore.ServiceName)...)
	svcs = append(svcs, b.joinAPIService(out), b.addonsService())
	if !b.o.DisableAgent {
		svcs = append(svcs, agent.Services(b.agentOptions(), b.log.With("role", "agent"), joinAPIService)...)
	}
	return svcs
}

// tunnelService serves the egress proxy kube-apiserver reaches kubelets
// through, and the agents' tunnels the join API hands to it.
func (b *boot) tunnelService() supervisor.Service {
	return supervisor.Service{
		Name: tunnelService, Fatal: true, NoLog: true,
		Run: func(ctx context.Context, env supervisor.Env) error {
			tun, err := b.startTunnel()
			if err != nil {
				return fmt.Errorf("agent tunnel: %w", err)
			}
			defer tun.stop()
			b.tunnel = tun
			env.Ready()
			<-ctx.Done()
			return nil
		},
	}
}

// joinAPIService serves the join API once the control plane runs, writes
// the admin kubeconfig and says the server is ready.
func (b *boot) joinAPIService(out io.Writer) supervisor.Service {
	return supervisor.Service{
		Name: joinAPIService, DependsOn: []string{controlplane.ControllerManagerService, controlplane.SchedulerService},
		Fatal: true, NoLog: true,
		Run: func(ctx context.Context, env supervisor.Env) error {
			js, err := b.front()
			if err != nil {
				return err
			}
			defer js.stop()
			b.printReady(out, b.backend.Kind)
			b.markHealthyWithoutAgent()
			env.Ready()
			select {
			case err := <-js.failed:
				return err
			case <-ctx.Done():
				return nil
			}
		},
	}
}

// addonsService applies the add-ons (services/addons) once, as the local
// admin, retrying until they are applied; a failure is logged, not fatal.
func (b *boot) addonsService() supervisor.Service {
	return supervisor.Service{
		Name: addonsService, DependsOn: []string{joinAPIService}, Once: true, NoLog: true,
		Run: func(ctx context.Context, env supervisor.Env) error {
			env.Ready()
			if err := b.applyAddons(ctx); err != nil && !errors.Is(err, context.Canceled) {
				b.log.Error("add-ons not applied", "err", err)
			}
			return nil
		},
	}
}

// PrintServices writes the server's start graph (supervisor.Describe)
// for o without running anything.
func PrintServices(w io.Writer, o *Options) error {
	b := &boot{o: o, log: slog.New(slog.DiscardHandler)}
	return supervisor.Describe(w, b.services(io.Discard))
}

// markHealthyWithoutAgent tells PID 1 the server is healthy once its
// control plane is ready, when no embedded agent will say so for its
// node.
func (b *boot) markHealthyWithoutAgent() {
	if !b.o.DisableAgent || b.o.BootDir == "" {
		return
	}
	if err := slots.MarkHealthy(b.o.BootDir, "the control plane is ready"); err != nil {
		b.log.Error("cannot tell PID 1 the server is healthy", "err", err)
	}
}
