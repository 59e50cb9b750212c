// Package supervisor runs the long-running parts of a node, goroutines and
// child processes alike, in dependency order: each starts once the services
// it depends on are ready, is restarted with exponential backoff when it
// exits (or, if it is fatal, ends the whole run), keeps its output in a ring
// buffer and a log file, and is stopped in the reverse order of starting,
// each stop waited for.
package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Service is one supervised part.
type Service struct {
	Name      string
	DependsOn []string
	// Run runs the service until ctx ends or it fails. It calls env.Ready
	// once it serves; a service that never calls it is never ready.
	Run func(ctx context.Context, env Env) error
	// Once services are not restarted when they end.
	Once bool
	// Fatal services cannot be restarted in the same process (in-process
	// Kubernetes components keep process-wide state): when one ends, Run
	// stops everything and returns its error. A Fatal Once service ends
	// the run only when it fails.
	Fatal bool
	// StopTimeout bounds how long stopping may take (default 10 s).
	StopTimeout time.Duration
	// NoLog services write their output elsewhere (an in-process
	// component logs through the process's own logger): no NAME.log.
	NoLog bool
}

// Env is what a running service gets from the supervisor.
type Env struct {
	// Log receives the service's output.
	Log io.Writer
	// Ready marks the service ready; later calls do nothing.
	Ready func()
}

// Options configure a Supervisor.
type Options struct {
	// Console receives one line for each start, exit and restart.
	Console io.Writer
	// LogDir, when set, holds NAME.log for each service.
	LogDir string
	// Backoff between restarts; zero fields take defaults.
	Backoff Backoff
	// StopWithin, when set, bounds the whole of Stop: no service is waited
	// for beyond it, even if its own StopTimeout is longer, so the last to
	// stop (the first to start) gets what is left.
	StopWithin time.Duration
}

// Supervisor runs services.
type Supervisor struct {
	opts  Options
	mu    sync.Mutex
	units map[string]*unit
	order []*unit // in start order
	// failed receives the first error of a Fatal service.
	failed chan error
}

// New returns an empty Supervisor.
func New(opts Options) *Supervisor {
	if opts.Console == nil {
		opts.Console = io.Discard
	}
	opts.Backoff = opts.Backoff.withDefaults()
	return &Supervisor{opts: opts, units: map[string]*unit{}, failed: make(chan error, 1)}
}

// Run starts the services and runs them until ctx ends (then it returns
// nil) or a Fatal service ends (then it returns that service's error);
// either way it first stops every service in the reverse order of
// starting and waits for each. Ending ctx does not cancel the services all
// at once: Stop ends them one by one, so a service outlives those that
// depend on it.
func (s *Supervisor) Run(ctx context.Context, services []Service) error {
	if err := s.Start(context.WithoutCancel(ctx), services); err != nil {
		return err
	}
	var err error
	select {
	case <-ctx.Done():
	case err = <-s.failed:
	}
	// The cause goes last: a process's last line of output is what its
	// parent shows of why it ended.
	return errors.Join(s.Stop(), err)
}

// Failed delivers the first error of a Fatal service.
func (s *Supervisor) Failed() <-chan error { return s.failed }

// Start checks the services' dependencies and starts each in its own
// goroutine; each waits for its dependencies to be ready. It returns at once.
// Services end when ctx ends, all at once; Stop ends them in order.
func (s *Supervisor) Start(ctx context.Context, services []Service) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := checkGraph(s.known(), services); err != nil {
		return err
	}
	for _, svc := range sortByDeps(services) {
		u, err := s.newUnit(svc)
		if err != nil {
			return err
		}
		s.units[svc.Name] = u
		s.order = append(s.order, u)
		uctx, cancel := context.WithCancel(ctx)
		u.cancel = cancel
		go u.loop(uctx, s.deps(svc))
	}
	return nil
}

func (s *Supervisor) known() map[string]bool {
	names := map[string]bool{}
	for n := range s.units {
		names[n] = true
	}
	return names
}

func (s *Supervisor) deps(svc Service) []*unit {
	var deps []*unit
	for _, d := range svc.DependsOn {
		deps = append(deps, s.units[d])
	}
	return deps
}

// Stop stops every service in the reverse order of starting, each within
// its stop timeout, and reports the ones that did not stop in time.
func (s *Supervisor) Stop() error {
	s.mu.Lock()
	order := append([]*unit(nil), s.order...)
	s.mu.Unlock()
	var deadline time.Time
	if s.opts.StopWithin > 0 {
		deadline = time.Now().Add(s.opts.StopWithin)
	}
	var late []string
	for i := len(order) - 1; i >= 0; i-- {
		if !order[i].stop(deadline) {
			late = append(late, order[i].svc.Name)
		}
	}
	if len(late) > 0 {
		return fmt.Errorf("services did not stop in time: %v", late)
	}
	return nil
}

// Wait blocks until the named service is ready or ctx ends.
func (s *Supervisor) Wait(ctx context.Context, name string) error {
	s.mu.Lock()
	u := s.units[name]
	s.mu.Unlock()
	if u == nil {
		return fmt.Errorf("no service %q", name)
	}
	select {
	case <-u.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for %s: %w", name, ctx.Err())
	}
}

// Status reports every service, in start order.
func (s *Supervisor) Status() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.order))
	for _, u := range s.order {
		out = append(out, u.status())
	}
	return out
}

// Log returns the recent output of a service.
func (s *Supervisor) Log(name string) []byte {
	s.mu.Lock()
	u := s.units[name]
	s.mu.Unlock()
	if u == nil {
		return nil
	}
	return u.log.Recent()
}

func (s *Supervisor) newUnit(svc Service) (*unit, error) {
	dir := s.opts.LogDir
	if svc.NoLog {
		dir = ""
	}
	lw, err := newLogWriter(dir, svc.Name)
	if err != nil {
		return nil, err
	}
	if svc.StopTimeout == 0 {
		svc.StopTimeout = 10 * time.Second
	}
	return &unit{svc: svc, log: lw, console: s.opts.Console, backoff: s.opts.Backoff, failed: s.failed,
		ready: make(chan struct{}), done: make(chan struct{}), state: StateWaiting}, nil
}
