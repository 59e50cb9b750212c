package supervisor

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// State is where a service is in its life.
type State string

// The states a service goes through.
const (
	StateWaiting  State = "waiting"  // for its dependencies
	StateRunning  State = "running"  // started, not ready yet
	StateReady    State = "ready"    // serving
	StateBackoff  State = "backoff"  // exited, restarting soon
	StateFinished State = "finished" // a Once service that ended well
	StateFailed   State = "failed"   // a Once service that failed
	StateStopped  State = "stopped"  // stopped by the supervisor
)

// Status is a snapshot of one service.
type Status struct {
	Name     string
	State    State
	Restarts int
	LastErr  string
	Since    time.Time
}

// unit is one service under supervision.
type unit struct {
	svc     Service
	log     *logWriter
	console io.Writer
	backoff Backoff
	failed  chan<- error // the supervisor's, for Fatal services

	readyOnce sync.Once
	ready     chan struct{}
	done      chan struct{}

	cancel context.CancelFunc // set before loop starts

	mu       sync.Mutex
	state    State
	restarts int
	lastErr  string
	since    time.Time
}

// loop runs the service until ctx (which u.cancel ends) ends.
func (u *unit) loop(ctx context.Context, deps []*unit) {
	defer close(u.done)
	defer u.cancel()
	if !waitDeps(ctx, deps) {
		u.setState(StateStopped, nil)
		return
	}
	delay := u.backoff.Initial
	for {
		started := time.Now()
		u.setState(StateRunning, nil)
		err := u.runOnce(ctx)
		if ctx.Err() != nil {
			u.setState(StateStopped, nil)
			return
		}
		if u.svc.Fatal && (err != nil || !u.svc.Once) {
			u.fatal(err)
			return
		}
		if u.svc.Once {
			u.finish(err)
			return
		}
		if time.Since(started) >= u.backoff.ResetAfter {
			delay = u.backoff.Initial
		}
		u.exited(err, delay)
		if !sleep(ctx, delay) {
			u.setState(StateStopped, nil)
			return
		}
		delay = u.backoff.next(delay)
	}
}

func (u *unit) runOnce(ctx context.Context) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return u.svc.Run(ctx, Env{Log: u.log, Ready: u.markReady})
}

func (u *unit) markReady() {
	u.setState(StateReady, nil)
	u.readyOnce.Do(func() {
		fmt.Fprintf(u.console, "outpost: service %s ready\n", u.svc.Name)
		close(u.ready)
	})
}

func (u *unit) exited(err error, delay time.Duration) {
	if err == nil {
		err = fmt.Errorf("exited")
	}
	u.mu.Lock()
	u.restarts++
	u.mu.Unlock()
	u.setState(StateBackoff, err)
	fmt.Fprintf(u.console, "outpost: service %s exited: %v; restarting in %s\n", u.svc.Name, err, delay)
	if last := u.lastOutput(); last != "" {
		fmt.Fprintf(u.console, "outpost: service %s said last: %s\n", u.svc.Name, last)
	}
}

// maxLastOutput caps the last line of output shown on the console.
const maxLastOutput = 400

// lastOutput is the last non-empty line the service wrote (a process's
// final error, usually), so the console says why it ended.
func (u *unit) lastOutput() string {
	if u.log == nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(u.log.Recent()), "\n"), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if len(last) > maxLastOutput {
		last = last[:maxLastOutput] + "..."
	}
	return last
}

// fatal reports the end of a Fatal service to the supervisor: the first
// such error ends the run, later ones are only logged.
func (u *unit) fatal(err error) {
	if err == nil {
		err = fmt.Errorf("%s stopped on its own", u.svc.Name)
	}
	u.setState(StateFailed, err)
	fmt.Fprintf(u.console, "outpost: service %s failed: %v\n", u.svc.Name, err)
	if last := u.lastOutput(); last != "" {
		fmt.Fprintf(u.console, "outpost: service %s said last: %s\n", u.svc.Name, last)
	}
	select {
	case u.failed <- fmt.Errorf("%s: %w", u.svc.Name, err):
	default:
	}
}

func (u *unit) finish(err error) {
	if err != nil {
		u.setState(StateFailed, err)
		fmt.Fprintf(u.console, "outpost: service %s failed: %v\n", u.svc.Name, err)
		return
	}
	u.setState(StateFinished, nil)
}

func (u *unit) setState(s State, err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.state, u.since = s, time.Now()
	if err != nil {
		u.lastErr = err.Error()
	}
}

func (u *unit) status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	return Status{Name: u.svc.Name, State: u.state, Restarts: u.restarts, LastErr: u.lastErr, Since: u.since}
}

// stop cancels the service and waits for it within its stop timeout, and
// not past deadline when one is set.
func (u *unit) stop(deadline time.Time) bool {
	u.cancel()
	select {
	case <-u.done:
		u.log.Close()
		return true
	default:
	}
	wait := u.svc.StopTimeout
	if !deadline.IsZero() {
		wait = min(wait, time.Until(deadline))
	}
	t := time.NewTimer(max(wait, 0))
	defer t.Stop()
	select {
	case <-u.done:
		u.log.Close()
		return true
	case <-t.C:
		return false
	}
}

func waitDeps(ctx context.Context, deps []*unit) bool {
	for _, d := range deps {
		select {
		case <-d.ready:
		case <-ctx.Done():
			return false
		}
	}
	return true
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
