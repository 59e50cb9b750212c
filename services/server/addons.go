package server

import (
	"context"
	"errors"

	"github.com/outpost-os/outpost/services/addons"
	"k8s.io/client-go/tools/clientcmd"
)

// startAddons applies the add-ons (services/addons) in the background once
// the control plane is ready, as the local admin, retrying until they are
// applied or ctx ends. The returned wait blocks until it has stopped.
func (b *boot) startAddons(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg, err := clientcmd.BuildConfigFromFlags("", b.creds.Admin)
		if err == nil {
			v := addons.Values{ClusterDNS: b.o.ClusterDNS, ClusterDomain: b.o.ClusterDomain}
			err = addons.Run(ctx, cfg, v, b.o.Disable, b.log)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			b.log.Error("add-ons not applied", "err", err)
		}
	}()
	return func() { <-done }
}
