package server

import (
	"context"
	"errors"

	"github.com/outpost-os/outpost/services/addons"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// adminConfig is the client configuration of the local admin, for what the
// server itself does through the API.
func (b *boot) adminConfig() (*rest.Config, error) {
	return clientcmd.BuildConfigFromFlags("", b.creds.Admin)
}

// startAddons applies the add-ons (services/addons) in the background once
// the control plane is ready, as the local admin, retrying until they are
// applied or ctx ends. The returned wait blocks until it has stopped.
func (b *boot) startAddons(ctx context.Context) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		cfg, err := b.adminConfig()
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
