package server

import (
	"context"

	"github.com/outpost-os/outpost/services/addons"
	"k8s.io/client-go/tools/clientcmd"
)

// applyAddons applies the add-ons (services/addons) as the local admin,
// retrying until they are applied or ctx ends.
func (b *boot) applyAddons(ctx context.Context) error {
	cfg, err := clientcmd.BuildConfigFromFlags("", b.creds.Admin)
	if err != nil {
		return err
	}
	v := addons.Values{ClusterDNS: b.o.ClusterDNS, ClusterDomain: b.o.ClusterDomain}
	return addons.Run(ctx, cfg, v, b.o.Disable, b.log)
}
