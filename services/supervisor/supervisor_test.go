package supervisor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is a console that tests can read while services write.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func fast() Backoff {
	return Backoff{Initial: 10 * time.Millisecond, Max: 40 * time.Millisecond, ResetAfter: time.Hour}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// recorder is a goroutine service that notes start and stop events.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(e string) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...)
}

func (r *recorder) service(name string, deps ...string) Service {
	return Service{Name: name, DependsOn: deps, Run: func(ctx context.Context, env Env) error {
		r.add("start " + name)
		env.Ready()
		<-ctx.Done()
		r.add("stop " + name)
		return nil
	}}
}

func TestDependencyOrderAndReverseStop(t *testing.T) {
	rec := &recorder{}
	s := New(Options{Backoff: fast()})
	// given out of order on purpose: c needs b needs a
	err := s.Start(context.Background(), []Service{rec.service("c", "b"), rec.service("a"), rec.service("b", "a")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Wait(ctx, "c"); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(rec.list(), ",")
	if got != "start a,start b,start c,stop c,stop b,stop a" {
		t.Errorf("events = %s", got)
	}
}

func TestWaitsForReadinessNotStart(t *testing.T) {
	rec := &recorder{}
	release := make(chan struct{})
	slow := Service{Name: "db", Run: func(ctx context.Context, env Env) error {
		<-release
		env.Ready()
		<-ctx.Done()
		return nil
	}}
	s := New(Options{Backoff: fast()})
	if err := s.Start(context.Background(), []Service{slow, rec.service("api", "db")}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	time.Sleep(50 * time.Millisecond) // give api a chance to start too early
	if len(rec.list()) != 0 {
		t.Fatalf("api started before db was ready: %v", rec.list())
	}
	close(release)
	waitFor(t, "api to start", func() bool { return len(rec.list()) == 1 })
}

func TestRestartWithBackoff(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	console := &syncBuf{}
	crashy := Service{Name: "crashy", Run: func(ctx context.Context, env Env) error {
		mu.Lock()
		runs++
		n := runs
		mu.Unlock()
		if n < 3 {
			return fmt.Errorf("crash %d", n)
		}
		env.Ready()
		<-ctx.Done()
		return nil
	}}
	s := New(Options{Console: console, Backoff: fast()})
	if err := s.Start(context.Background(), []Service{crashy}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Wait(ctx, "crashy"); err != nil {
		t.Fatal(err)
	}
	st := s.Status()[0]
	if st.Restarts != 2 || st.State != StateReady || st.LastErr != "crash 2" {
		t.Errorf("status = %+v", st)
	}
	for _, want := range []string{"service crashy exited: crash 1; restarting in 10ms", "crash 2; restarting in 20ms", "service crashy ready"} {
		if !strings.Contains(console.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, console.String())
		}
	}
}

func TestPanicIsRestarted(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	svc := Service{Name: "buggy", Run: func(ctx context.Context, env Env) error {
		mu.Lock()
		runs++
		n := runs
		mu.Unlock()
		if n == 1 {
			panic("boom")
		}
		env.Ready()
		<-ctx.Done()
		return nil
	}}
	s := New(Options{Backoff: fast()})
	if err := s.Start(context.Background(), []Service{svc}); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Wait(ctx, "buggy"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Status()[0].LastErr, "panic: boom") {
		t.Errorf("status = %+v", s.Status()[0])
	}
}

func TestOnceFailureIsNotRestarted(t *testing.T) {
	svc := Service{Name: "job", Once: true, Run: func(context.Context, Env) error { return errors.New("bad") }}
	s := New(Options{Backoff: fast()})
	if err := s.Start(context.Background(), []Service{svc}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "job to fail", func() bool { return s.Status()[0].State == StateFailed })
	time.Sleep(50 * time.Millisecond)
	if st := s.Status()[0]; st.Restarts != 0 || st.State != StateFailed {
		t.Errorf("once service restarted: %+v", st)
	}
}

func TestGraphErrors(t *testing.T) {
	run := func(context.Context, Env) error { return nil }
	cases := map[string][]Service{
		"unknown service \"ghost\"": {{Name: "a", DependsOn: []string{"ghost"}, Run: run}},
		"cycle":                     {{Name: "a", DependsOn: []string{"b"}, Run: run}, {Name: "b", DependsOn: []string{"a"}, Run: run}},
		"defined twice":             {{Name: "a", Run: run}, {Name: "a", Run: run}},
	}
	for want, services := range cases {
		err := New(Options{}).Start(context.Background(), services)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v", want, err)
		}
	}
}

func TestProcessCrashIsRestartedAndLogged(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "runs")
	script := fmt.Sprintf("echo run >> %s; echo hello from child; n=$(wc -l < %s); [ $n -ge 3 ] && exec sleep 60; exit 7", marker, marker)
	svc := Service{Name: "child", Run: Process(Command{Path: "/bin/sh", Args: []string{"-c", script}, Grace: time.Second}, nil)}
	console := &syncBuf{}
	s := New(Options{Console: console, LogDir: dir, Backoff: fast()})
	if err := s.Start(context.Background(), []Service{svc}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "third run", func() bool {
		b, _ := os.ReadFile(marker)
		return strings.Count(string(b), "run") >= 3
	})
	if !strings.Contains(console.String(), "exit status 7") {
		t.Errorf("console lacks the exit status:\n%s", console.String())
	}
	if !strings.Contains(console.String(), "outpost: service child said last: hello from child\n") {
		t.Errorf("console lacks the child's last words:\n%s", console.String())
	}
	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	logged, err := os.ReadFile(filepath.Join(dir, "child.log"))
	if err != nil || strings.Count(string(logged), "hello from child") < 3 {
		t.Errorf("log file = %q, %v", logged, err)
	}
	if !bytes.Contains(s.Log("child"), []byte("hello from child")) {
		t.Error("ring buffer lacks the child's output")
	}
}

func TestRingKeepsTheTail(t *testing.T) {
	w, _ := newLogWriter("", "x")
	for i := 0; i < 3*ringSize/10; i++ {
		fmt.Fprintf(w, "line %06d\n", i)
	}
	got := w.Recent()
	if len(got) > ringSize || !bytes.HasSuffix(got, []byte(fmt.Sprintf("line %06d\n", 3*ringSize/10-1))) {
		t.Errorf("ring has %d bytes, tail %q", len(got), got[len(got)-12:])
	}
}
