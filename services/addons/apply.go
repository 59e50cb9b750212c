package addons

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
)

// FieldManager is the server-side apply field manager of the add-ons.
const FieldManager = "outpost"

// Applier applies objects with server-side apply.
type Applier struct {
	dyn    dynamic.Interface
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

// NewApplier returns an Applier talking to the apiserver of cfg.
func NewApplier(cfg *rest.Config) (*Applier, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Applier{dyn: dyn, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// Apply applies objs in order as field manager "outpost", forcing
// ownership of the fields the manifests set: a field changed by hand is
// set back on the next start, fields the manifests leave out are not
// touched. Applying the same objects again changes nothing.
func (a *Applier) Apply(ctx context.Context, objs []*unstructured.Unstructured) error {
	for _, o := range objs {
		gvk := o.GroupVersionKind()
		m, err := a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err != nil {
			a.mapper.Reset() // a kind the cached discovery did not know yet
			return fmt.Errorf("%s %s: %w", gvk.Kind, o.GetName(), err)
		}
		var ri dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
		if m.Scope.Name() == meta.RESTScopeNameNamespace {
			ri = a.dyn.Resource(m.Resource).Namespace(o.GetNamespace())
		}
		if _, err := ri.Apply(ctx, o.GetName(), o, metav1.ApplyOptions{FieldManager: FieldManager, Force: true}); err != nil {
			return fmt.Errorf("apply %s %s: %w", gvk.Kind, qualified(o), err)
		}
	}
	return nil
}

func qualified(o *unstructured.Unstructured) string {
	if ns := o.GetNamespace(); ns != "" {
		return ns + "/" + o.GetName()
	}
	return o.GetName()
}

// Enabled returns the add-ons not named in disabled (k3s style: each
// entry one name or a comma-separated list), and the names in disabled
// that are no add-on of Outpost.
func Enabled(disabled []string) (enabled, unknown []string) {
	off := map[string]bool{}
	for _, d := range disabled {
		for n := range strings.SplitSeq(d, ",") {
			if n = strings.TrimSpace(n); n == "" {
				continue
			}
			off[n] = true
			if !slices.Contains(Names(), n) {
				unknown = append(unknown, n)
			}
		}
	}
	for _, n := range Names() {
		if !off[n] {
			enabled = append(enabled, n)
		}
	}
	return enabled, unknown
}

// Retry bounds of Run.
const (
	firstRetry = time.Second
	maxRetry   = 15 * time.Second
)

// Run renders the add-ons not disabled and applies them, retrying with
// backoff until all are applied (it returns nil) or ctx ends (it returns
// ctx's error). It starts once the apiserver is ready; the retries cover
// what the apiserver still makes right after (the kube-system namespace,
// the priority classes).
func Run(ctx context.Context, cfg *rest.Config, v Values, disabled []string, log *slog.Logger) error {
	enabled, unknown := Enabled(disabled)
	if len(unknown) > 0 {
		log.Warn("--disable names no add-on of outpost; ignored", "names", unknown, "add-ons", Names())
	}
	enabled = append([]string{RBAC}, enabled...)
	var objs []*unstructured.Unstructured
	for _, n := range enabled {
		o, err := Render(n, v)
		if err != nil {
			return err
		}
		objs = append(objs, o...)
	}
	a, err := NewApplier(cfg)
	if err != nil {
		return fmt.Errorf("add-ons: %w", err)
	}
	start, wait := time.Now(), firstRetry
	for attempt := 1; ; attempt++ {
		err := a.Apply(ctx, objs)
		if err == nil {
			log.Info("add-ons applied", "add-ons", enabled, "objects", len(objs), "took", time.Since(start).Round(time.Millisecond))
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("add-ons not applied yet; retrying", "attempt", attempt, "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRetry)
	}
}
