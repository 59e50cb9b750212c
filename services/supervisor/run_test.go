package supervisor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// runInBackground runs s.Run and returns its result channel.
func runInBackground(ctx context.Context, s *Supervisor, services []Service) <-chan error {
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx, services) }()
	return done
}

func waitRun(t *testing.T, done <-chan error) error {
	t.Helper()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
		return nil
	}
}

// A dependency keeps running until what depends on it has stopped, even
// though ending Run's context ends every service.
func TestRunStopsInReverseOrderWhenContextEnds(t *testing.T) {
	rec := &recorder{}
	var dbAliveWhenAPIStopped bool
	dbStopped := make(chan struct{})
	db := Service{Name: "db", Run: func(ctx context.Context, env Env) error {
		env.Ready()
		<-ctx.Done()
		close(dbStopped)
		return nil
	}}
	api := Service{Name: "api", DependsOn: []string{"db"}, Run: func(ctx context.Context, env Env) error {
		env.Ready()
		<-ctx.Done()
		select {
		case <-dbStopped:
		default:
			dbAliveWhenAPIStopped = true
		}
		return nil
	}}
	s := New(Options{Backoff: fast()})
	ctx, cancel := context.WithCancel(context.Background())
	done := runInBackground(ctx, s, []Service{api, db, rec.service("web", "api")})
	waitFor(t, "web to start", func() bool { return len(rec.list()) == 1 })
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Fatalf("Run after cancel = %v, want nil", err)
	}
	if !dbAliveWhenAPIStopped {
		t.Error("db stopped before api, which depends on it")
	}
	if got := strings.Join(rec.list(), ","); got != "start web,stop web" {
		t.Errorf("web events = %s", got)
	}
}

// A Fatal service that ends takes the run down, with its error, and the
// others are stopped and waited for.
func TestFatalServiceEndsRun(t *testing.T) {
	rec := &recorder{}
	boom := errors.New("boom")
	fail := make(chan struct{})
	starts := 0
	component := Service{Name: "component", Fatal: true, DependsOn: []string{"base"}, Run: func(ctx context.Context, env Env) error {
		starts++
		env.Ready()
		select {
		case <-fail:
			return boom
		case <-ctx.Done():
			return nil
		}
	}}
	s := New(Options{Backoff: fast()})
	done := runInBackground(context.Background(), s, []Service{rec.service("base"), component})
	waitFor(t, "base to start", func() bool { return len(rec.list()) == 1 })
	close(fail)
	err := waitRun(t, done)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "component") {
		t.Errorf("Run = %v, want the component's error", err)
	}
	if starts != 1 {
		t.Errorf("component started %d times, want once (fatal services are not restarted)", starts)
	}
	if got := strings.Join(rec.list(), ","); got != "start base,stop base" {
		t.Errorf("base events = %s", got)
	}
}

// A Fatal service that returns nil on its own has still failed; a Fatal
// Once service that returns nil has finished.
func TestFatalEndsWithoutError(t *testing.T) {
	s := New(Options{Backoff: fast()})
	quits := Service{Name: "quits", Fatal: true, Run: func(ctx context.Context, env Env) error { return nil }}
	if err := waitRun(t, runInBackground(context.Background(), s, []Service{quits})); err == nil || !strings.Contains(err.Error(), "stopped on its own") {
		t.Errorf("Run = %v, want 'stopped on its own'", err)
	}

	rec := &recorder{}
	s = New(Options{Backoff: fast()})
	setup := Service{Name: "setup", Fatal: true, Once: true, Run: func(ctx context.Context, env Env) error {
		env.Ready()
		return nil
	}}
	ctx, cancel := context.WithCancel(context.Background())
	done := runInBackground(ctx, s, []Service{setup, rec.service("after", "setup")})
	waitFor(t, "after to start", func() bool { return len(rec.list()) == 1 })
	select {
	case err := <-done:
		t.Fatalf("Run ended after a Once service finished well: %v", err)
	default:
	}
	cancel()
	if err := waitRun(t, done); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// StopWithin bounds the whole stop, whatever each service's timeout.
func TestStopWithinBoundsTheWholeStop(t *testing.T) {
	stuck := func(name string) Service {
		return Service{Name: name, StopTimeout: time.Hour, Run: func(ctx context.Context, env Env) error {
			env.Ready()
			select {} // ignores ctx
		}}
	}
	s := New(Options{Backoff: fast(), StopWithin: 200 * time.Millisecond})
	if err := s.Start(context.Background(), []Service{stuck("a"), stuck("b")}); err != nil {
		t.Fatal(err)
	}
	if err := s.Wait(context.Background(), "b"); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := s.Stop()
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Stop took %s, want about 200ms", took)
	}
	if err == nil || !strings.Contains(err.Error(), "[b a]") {
		t.Errorf("Stop = %v, want both late, b first", err)
	}
}

func TestOrderIsStartOrder(t *testing.T) {
	noop := func(ctx context.Context, env Env) error { return nil }
	got, err := Order([]Service{{Name: "c", DependsOn: []string{"b"}, Run: noop}, {Name: "a", Run: noop}, {Name: "b", DependsOn: []string{"a"}, Run: noop}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range got {
		names = append(names, s.Name)
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("order = %v", names)
	}
	if _, err := Order([]Service{{Name: "a", DependsOn: []string{"x"}, Run: noop}}); err == nil {
		t.Error("Order accepted an unknown dependency")
	}
}

func TestDescribe(t *testing.T) {
	noop := func(ctx context.Context, env Env) error { return nil }
	var b strings.Builder
	err := Describe(&b, []Service{
		{Name: "api", DependsOn: []string{"db", "proxy"}, Fatal: true, Run: noop},
		{Name: "db", Fatal: true, Run: noop},
		{Name: "proxy", Run: noop},
		{Name: "setup", Once: true, Run: noop},
	})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := [][]string{{"db", "-", "end ends all"}, {"proxy", "-", "restarted"}, {"api", "db, proxy", "end ends all"}, {"setup", "-", "once"}}
	if len(lines) != len(want) {
		t.Fatalf("Describe:\n%s", b.String())
	}
	for i, w := range want {
		for _, field := range w {
			if !strings.Contains(lines[i], field) || !strings.HasPrefix(lines[i], w[0]+" ") {
				t.Errorf("line %d = %q, want %v", i, lines[i], w)
			}
		}
	}
}

// When a Fatal service ends the run and another does not stop in time,
// both are reported, the cause on the last line (what a parent shows).
func TestRunReportsTheCauseLast(t *testing.T) {
	boom := errors.New("boom")
	stuck := Service{Name: "stuck", StopTimeout: 50 * time.Millisecond, Run: func(ctx context.Context, env Env) error {
		env.Ready()
		select {} // ignores ctx
	}}
	fails := Service{Name: "fails", Fatal: true, DependsOn: []string{"stuck"}, Run: func(ctx context.Context, env Env) error {
		return boom
	}}
	s := New(Options{Backoff: fast()})
	err := waitRun(t, runInBackground(context.Background(), s, []Service{stuck, fails}))
	if !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want the failed service's error", err)
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "[stuck]") || lines[1] != "fails: boom" {
		t.Errorf("Run = %q, want the late stop, then the cause", err)
	}
}
