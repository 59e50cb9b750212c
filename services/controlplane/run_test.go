package controlplane

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// newTestPlane is a ControlPlane without components, for run and Wait.
func newTestPlane(parent context.Context) *ControlPlane {
	own := context.WithoutCancel(parent)
	return &ControlPlane{parent: parent, failed: make(chan error, 3), api: newGroup(own), controllers: newGroup(own)}
}

// TestWaitStopsControllersBeforeAPIServer proves the stop order: while the
// controller-manager and the scheduler stop, kube-apiserver still runs.
func TestWaitStopsControllersBeforeAPIServer(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	cp := newTestPlane(parent)
	apiUp := make(chan struct{})
	cp.run(&cp.api, "api", nil, func(ctx context.Context, _ []string) error {
		close(apiUp)
		<-ctx.Done()
		return nil
	})
	<-apiUp
	apiAliveAtStop := make(chan bool, 2)
	for _, name := range []string{"kcm", "scheduler"} {
		cp.run(&cp.controllers, name, nil, func(ctx context.Context, _ []string) error {
			<-ctx.Done()
			apiAliveAtStop <- cp.api.ctx.Err() == nil
			return nil
		})
	}
	cancel()
	if err := cp.Wait(); err != nil {
		t.Fatalf("Wait after the parent ended: %v", err)
	}
	for range 2 {
		if !<-apiAliveAtStop {
			t.Fatal("kube-apiserver was stopped before a controller had stopped")
		}
	}
	if cp.api.ctx.Err() == nil {
		t.Fatal("kube-apiserver still running after Wait")
	}
}

// TestWaitReturnsFailure proves that a component returning on its own is a
// failure that stops the others.
func TestWaitReturnsFailure(t *testing.T) {
	cp := newTestPlane(context.Background())
	stopped := make(chan struct{})
	cp.run(&cp.api, "api", nil, func(ctx context.Context, _ []string) error {
		<-ctx.Done()
		close(stopped)
		return nil
	})
	cp.run(&cp.controllers, "kube-scheduler", nil, func(context.Context, []string) error { return nil })
	err := cp.Wait()
	if err == nil || !strings.Contains(err.Error(), "kube-scheduler stopped on its own") {
		t.Fatalf("want the scheduler's failure, got %v", err)
	}
	<-stopped
	boom := errors.New("boom")
	cp = newTestPlane(context.Background())
	cp.run(&cp.api, "api", nil, func(context.Context, []string) error { return boom })
	if err := cp.Wait(); !errors.Is(err, boom) {
		t.Fatalf("want the API server's error, got %v", err)
	}
}
