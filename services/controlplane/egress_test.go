package controlplane

import (
	"net"
	"slices"
	"strings"
	"testing"
)

func TestEgressSelectorArg(t *testing.T) {
	c := Config{AdvertiseAddress: net.ParseIP("192.0.2.1"), BindAddress: net.IPv4zero, HTTPSPort: 6443}
	args, err := c.apiServerArgs()
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--egress-selector-config-file") }) {
		t.Errorf("egress selector without a file: %q", args)
	}
	c.EgressSelectorConfig = "/var/lib/outpost/server/etc/egress-selector.yaml"
	if args, _ = c.apiServerArgs(); !slices.Contains(args, "--egress-selector-config-file=/var/lib/outpost/server/etc/egress-selector.yaml") {
		t.Errorf("args %q", args)
	}
}
