package config

import (
	"maps"
	"slices"
	"testing"
)

// A k3s-style config.yaml (flag names, kebab-case, one value for a list,
// labels as KEY=VALUE) reads as the same configuration as snake_case keys.
func TestFlagNamesAndKebabCase(t *testing.T) {
	l := mustParse(t, "file", `
cluster-cidr: 10.52.0.0/16
tls-san: edge.example.com
node-label: [zone=shop-12, "team=edge"]
kube-apiserver-arg: [v=2]
https-port: 7443
flannel-iface: eth1
etcd-peer-port: 12380
`)
	if len(l.Warnings) != 0 {
		t.Fatalf("warnings: %v", l.Warnings)
	}
	c := l.Config
	if c.ClusterCIDR != "10.52.0.0/16" || !slices.Equal(c.TLSSANs, []string{"edge.example.com"}) ||
		!maps.Equal(c.NodeLabels, map[string]string{"zone": "shop-12", "team": "edge"}) ||
		!slices.Equal(c.KubeAPIServerArgs, []string{"v=2"}) || c.HTTPSListenPort != 7443 ||
		c.FlannelIface != "eth1" || c.EtcdPeerPort != 12380 {
		t.Errorf("parsed %+v", c)
	}
	for _, key := range []string{"cluster_cidr", "tls_sans", "node_labels.zone", "https_listen_port"} {
		if _, ok := l.Keys[key]; !ok {
			t.Errorf("key %s not recorded as set: %v", key, l.Keys)
		}
	}
	// A list that is not KEY=VALUE is no set of labels.
	if _, err := Parse("file", []byte("node_labels: [not, a, map]\n")); err == nil {
		t.Error("node_labels: [not, a, map] accepted")
	}
	// PID 1's own lists keep their type check.
	if _, err := Parse("file", []byte("modules: wireguard\n")); err == nil {
		t.Error("modules: as a single value accepted")
	}
}

func TestPID1KeysAreKeys(t *testing.T) {
	for _, k := range PID1Keys() {
		if !slices.Contains(Keys(), k) {
			t.Errorf("PID1Keys names %q, which is no key", k)
		}
	}
}
