package controlplane

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/supervisor"
)

// TestServicesStopControllersBeforeAPIServer proves the stop order the
// supervisor derives from the graph: the controller-manager and the
// scheduler depend on kube-apiserver, so they start after it and stop
// before it; kube-apiserver waits for what it is given.
func TestServicesStopControllersBeforeAPIServer(t *testing.T) {
	svcs := Services(func() Config { return Config{} }, slog.Default(), time.Minute, "datastore")
	order, err := supervisor.Order(append(svcs, supervisor.Service{Name: "datastore", Run: func(context.Context, supervisor.Env) error { return nil }}))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range order {
		names = append(names, s.Name)
	}
	if want := "datastore,kube-apiserver,kube-controller-manager,kube-scheduler"; strings.Join(names, ",") != want {
		t.Errorf("start order %v, want %s", names, want)
	}
	for _, s := range svcs {
		if !s.Fatal {
			t.Errorf("%s is not fatal: it cannot be restarted in the process", s.Name)
		}
		if s.Name != APIServerService && !slices.Equal(s.DependsOn, []string{APIServerService}) {
			t.Errorf("%s depends on %v, want kube-apiserver", s.Name, s.DependsOn)
		}
	}
	if !slices.Equal(svcs[0].DependsOn, []string{"datastore"}) {
		t.Errorf("kube-apiserver depends on %v", svcs[0].DependsOn)
	}
}

// TestStoppedOnItsOwn proves that a component returning before its
// context ended is a failure, with or without an error of its own.
func TestStoppedOnItsOwn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	if err := stoppedOnItsOwn(ctx, "kube-scheduler", nil); err == nil || !strings.Contains(err.Error(), "kube-scheduler stopped on its own") {
		t.Errorf("nil before the end = %v", err)
	}
	boom := errors.New("boom")
	if err := stoppedOnItsOwn(ctx, "kube-apiserver", boom); !errors.Is(err, boom) {
		t.Errorf("error before the end = %v", err)
	}
	cancel()
	if err := stoppedOnItsOwn(ctx, "kube-apiserver", boom); err != nil {
		t.Errorf("after the end = %v, want nil", err)
	}
}

// TestAPIServiceFailsOnBadConfig proves that kube-apiserver's service
// refuses a configuration it cannot run before starting anything.
func TestAPIServiceFailsOnBadConfig(t *testing.T) {
	svcs := Services(func() Config { return Config{} }, slog.Default(), time.Minute)
	err := svcs[0].Run(context.Background(), supervisor.Env{Ready: func() { t.Error("ready with a bad config") }})
	if err == nil {
		t.Fatal("kube-apiserver service ran with an empty config")
	}
}
