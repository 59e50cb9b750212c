// Package phase runs the boot as data: a list of named steps, each with an
// optional condition, timed and reported on the console one line each, so the
// order of the boot is visible in one place.
package phase

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"time"
)

// Phase is one named step of the boot.
type Phase struct {
	Name string
	// When, if set, decides whether the phase runs; a skipped phase is
	// reported as such.
	When func() bool
	Run  func(ctx context.Context) error
	// Optional phases report their error and let the boot go on.
	Optional bool
}

// Runner runs phases and reports them on Out.
type Runner struct {
	Out io.Writer
	Now func() time.Time
}

// Result is the outcome of one phase.
type Result struct {
	Name     string
	Skipped  bool
	Err      error
	Duration time.Duration
}

// Run runs the phases in order. It stops at the first failed phase that is
// not optional and returns its error; the results of every phase that ran are
// returned either way.
func (r Runner) Run(ctx context.Context, phases []Phase) ([]Result, error) {
	var results []Result
	for _, p := range phases {
		res := r.runOne(ctx, p)
		results = append(results, res)
		r.report(res, p.Optional)
		if res.Err != nil && !p.Optional {
			return results, fmt.Errorf("phase %s: %w", p.Name, res.Err)
		}
	}
	return results, nil
}

func (r Runner) runOne(ctx context.Context, p Phase) Result {
	if p.When != nil && !p.When() {
		return Result{Name: p.Name, Skipped: true}
	}
	start := r.now()
	err := Safely(func() error { return p.Run(ctx) })
	return Result{Name: p.Name, Err: err, Duration: r.now().Sub(start)}
}

// Safely calls f and turns a panic in it into an error, so a bug in one
// phase never takes PID 1 down.
func Safely(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v\n%s", v, debug.Stack())
		}
	}()
	return f()
}

func (r Runner) report(res Result, optional bool) {
	switch {
	case res.Skipped:
		fmt.Fprintf(r.Out, "outpost: phase %-12s skipped\n", res.Name)
	case res.Err == nil:
		fmt.Fprintf(r.Out, "outpost: phase %-12s ok     %s\n", res.Name, round(res.Duration))
	case optional:
		fmt.Fprintf(r.Out, "outpost: phase %-12s WARN   %s: %v\n", res.Name, round(res.Duration), res.Err)
	default:
		fmt.Fprintf(r.Out, "outpost: phase %-12s FAILED %s: %v\n", res.Name, round(res.Duration), res.Err)
	}
}

func (r Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(100 * time.Microsecond)
}
