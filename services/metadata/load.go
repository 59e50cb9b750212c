package metadata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/config"
)

// Options tune Load.
type Options struct {
	// Sources in any order; nil means DefaultSources(Paths).
	Sources []Source
	Paths   Paths
	// Timeout bounds each source (default 15s).
	Timeout time.Duration
	// Offline skips sources that need the network (seed URL, config_url,
	// IMDS), for the first pass before the network is up.
	Offline bool
	Logger  *slog.Logger
}

// Status is what happened with one source.
type Status struct {
	Source   string
	Origin   string // device, URL or file, when found
	Found    bool
	Skipped  bool // needs the network and Options.Offline was set
	Err      error
	Warnings []config.Warning
	Took     time.Duration
}

// Result is the outcome of Load.
type Result struct {
	// Config is the merged configuration; never nil, possibly invalid.
	Config *config.Effective
	// Sources has one entry per source, in precedence order.
	Sources []Status
	// Invalid holds the validation errors of the merged configuration.
	Invalid config.Errors
}

// Warnings gathers the warnings of every source.
func (r *Result) Warnings() []config.Warning {
	var out []config.Warning
	for _, s := range r.Sources {
		out = append(out, s.Warnings...)
	}
	return out
}

// Load runs every source concurrently, each within its own deadline, merges
// what they found in the fixed precedence and validates the result.
//
// The error is nil when the configuration is usable. Otherwise it lists
// every problem, one per line, each naming its source (and line): a source
// that is present but unreadable or invalid, a validation error, or
// ErrNoConfig when nothing was found. PID 1 then enters maintenance mode,
// prints the error, and calls Load (or Poll) again. The Result is filled in
// either case. Only a cancelled ctx stops Load early.
func Load(ctx context.Context, opts Options) (*Result, error) {
	sources := opts.Sources
	if sources == nil {
		sources = DefaultSources(opts.Paths)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = 15 * time.Second
	}
	log := logger(opts.Logger)
	statuses, layers := runAll(ctx, sources, timeout, opts.Offline)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("load metadata: %w", err)
	}
	res := &Result{Config: config.Merge(layers...), Sources: statuses}
	res.Invalid = res.Config.Validate()
	var problems []error
	for _, s := range statuses {
		logStatus(log, s)
		if s.Err != nil {
			problems = append(problems, s.Err)
		}
	}
	if len(layers) == 0 && len(problems) == 0 {
		problems = append(problems, fmt.Errorf("%w (looked at %s)", ErrNoConfig, names(sources)))
	}
	if len(res.Invalid) > 0 {
		problems = append(problems, res.Invalid)
	}
	return res, errors.Join(problems...)
}

// fetched is the outcome of one source.
type fetched struct {
	index  int
	status Status
	layer  *config.Layer
}

// runAll fetches every source concurrently. A source that does not return
// within its timeout plus a grace period (a read stuck on a broken device
// ignores its context) is abandoned and reported, so Load always returns.
func runAll(ctx context.Context, sources []Source, timeout time.Duration, offline bool) ([]Status, []*config.Layer) {
	statuses := make([]Status, len(sources))
	found := make([]*config.Layer, len(sources))
	done := make(chan fetched, len(sources))
	pending := map[int]bool{}
	for i, src := range sources {
		statuses[i].Source = src.Name()
		if n, ok := src.(Networked); ok && offline && n.NeedsNetwork() {
			statuses[i].Skipped = true
			continue
		}
		pending[i] = true
		go func() {
			st := Status{Source: src.Name()}
			l := runOne(ctx, src, timeout, &st)
			done <- fetched{index: i, status: st, layer: l}
		}()
	}
	limit := timeout + min(abandonGrace, timeout)
	giveUp := time.NewTimer(limit)
	defer giveUp.Stop()
	for len(pending) > 0 {
		select {
		case f := <-done:
			statuses[f.index], found[f.index] = f.status, f.layer
			delete(pending, f.index)
		case <-giveUp.C:
			for i := range pending {
				statuses[i].Err = &SourceError{Source: sources[i].Name(), Err: fmt.Errorf("did not finish within %v; abandoned", limit)}
				statuses[i].Took = limit
			}
			pending = nil
		}
	}
	var layers []*config.Layer
	for _, l := range found {
		if l != nil {
			layers = append(layers, l)
		}
	}
	return statuses, layers
}

// abandonGrace is how long past its timeout a source may take to return
// (at most the timeout again).
const abandonGrace = 2 * time.Second

// runOne fetches one source within its deadline; a panic in a decoder is
// turned into an error so it never reaches PID 1.
func runOne(ctx context.Context, src Source, timeout time.Duration, st *Status) (layer *config.Layer) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	defer func() {
		st.Took = time.Since(start)
		if r := recover(); r != nil {
			st.Err = &SourceError{Source: src.Name(), Err: fmt.Errorf("internal error: %v", r)}
			layer = nil
		}
	}()
	l, err := src.Fetch(ctx)
	if err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("gave up after %v: %w", timeout, err)
		}
		st.Err = sourceErr(src.Name(), err)
		return nil
	}
	if l == nil || (l.Empty() && len(l.Warnings) == 0) {
		return nil
	}
	st.Found, st.Origin, st.Warnings = true, l.Origin, l.Warnings
	return l
}

func logStatus(log *slog.Logger, s Status) {
	switch {
	case s.Err != nil:
		log.Error("metadata source failed", "source", s.Source, "err", s.Err)
	case s.Found:
		log.Info("metadata source found", "source", s.Source, "origin", s.Origin, "took", s.Took.Round(time.Millisecond))
	}
	for _, w := range s.Warnings {
		log.Warn("metadata", "warning", w.Error())
	}
}

func names(sources []Source) string {
	out := make([]string, len(sources))
	for i, s := range sources {
		out[i] = s.Name()
	}
	return strings.Join(out, ", ")
}

// Poll calls Load until it returns a usable configuration or ctx ends,
// waiting interval between tries. report is called after every failed try
// (with the result and the error to show on the console). This is what
// PID 1 runs in maintenance mode: a valid file written to the state
// partition or a new metadata source ends the wait.
func Poll(ctx context.Context, opts Options, interval time.Duration, report func(*Result, error)) (*Result, error) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		res, err := Load(ctx, opts)
		if err == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return res, err
		}
		if report != nil {
			report(res, err)
		}
		select {
		case <-ctx.Done():
			return res, fmt.Errorf("wait for a valid configuration: %w", ctx.Err())
		case <-t.C:
		}
	}
}
