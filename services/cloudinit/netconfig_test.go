package cloudinit

import (
	"slices"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestNetworkConfigV1(t *testing.T) {
	l, err := ParseNetworkConfig(config.SourceNoCloud, configtest.ReadFixture(t, "netconfig/v1.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := l.Config.Network
	if len(n.Interfaces) != 2 {
		t.Fatalf("interfaces: %+v", n.Interfaces)
	}
	eth0 := n.Interfaces[0]
	if eth0.Name != "eth0" || eth0.MAC != "52:54:00:12:34:00" || eth0.MTU != 1450 || eth0.UsesDHCP() {
		t.Errorf("eth0: %+v", eth0)
	}
	if !slices.Equal(eth0.Addresses, []string{"192.168.1.10/24"}) || eth0.Gateway != "192.168.1.1" || !slices.Equal(eth0.DNS, []string{"192.168.1.1"}) {
		t.Errorf("eth0 static: %+v", eth0)
	}
	if len(eth0.Routes) != 1 || eth0.Routes[0] != (config.Route{To: "10.20.0.0/16", Via: "192.168.1.254", Metric: 50}) {
		t.Errorf("eth0 routes: %+v", eth0.Routes)
	}
	if eth1 := n.Interfaces[1]; eth1.Name != "eth1" || !eth1.UsesDHCP() {
		t.Errorf("eth1: %+v", eth1)
	}
	if !slices.Equal(n.Nameservers, []string{"1.1.1.1", "8.8.8.8"}) || !slices.Equal(n.Search, []string{"lan", "example.internal"}) {
		t.Errorf("dns: %v %v", n.Nameservers, n.Search)
	}
	if !configtest.HasWarning(l, `type "bond" is not supported`) {
		t.Errorf("bond not warned about: %v", l.Warnings)
	}
	if _, ok := l.Keys["network"]; !ok {
		t.Errorf("network key not set")
	}
	if errs := n.Validate(); len(errs) != 0 {
		t.Errorf("mapped network does not validate: %v", errs)
	}
}

func TestNetworkConfigV2(t *testing.T) {
	l, err := ParseNetworkConfig(config.SourceNoCloud, configtest.ReadFixture(t, "netconfig/v2.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	n := l.Config.Network
	if len(n.Interfaces) != 2 {
		t.Fatalf("interfaces: %+v", n.Interfaces)
	}
	eth1, lan0 := n.Interfaces[0], n.Interfaces[1] // sorted by id: eth1, id0
	if eth1.Name != "eth1" || !eth1.UsesDHCP() {
		t.Errorf("eth1: %+v", eth1)
	}
	if lan0.Name != "lan0" || lan0.MAC != "52:54:00:ab:cd:ef" || lan0.Gateway != "10.0.0.1" || len(lan0.Addresses) != 2 || lan0.UsesDHCP() {
		t.Errorf("lan0: %+v", lan0)
	}
	if len(lan0.Routes) != 1 || lan0.Routes[0].Metric != 100 || !slices.Equal(n.Search, []string{"site.example"}) {
		t.Errorf("lan0 routes/search: %+v %v", lan0.Routes, n.Search)
	}
	if !configtest.HasWarning(l, "vlans: not supported") {
		t.Errorf("vlans not warned about: %v", l.Warnings)
	}
	if errs := n.Validate(); len(errs) != 0 {
		t.Errorf("mapped network does not validate: %v", errs)
	}
}

func TestNetworkConfigBad(t *testing.T) {
	l, err := ParseNetworkConfig("x", configtest.ReadFixture(t, "netconfig/disabled.yaml"))
	if err != nil || !l.Empty() {
		t.Errorf("disabled: %+v %v", l, err)
	}
	_, err = ParseNetworkConfig("x", configtest.ReadFixture(t, "netconfig/v3.yaml"))
	if err == nil || !strings.Contains(err.Error(), "version 3 is not supported") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("v3: %v", err)
	}
	_, err = ParseNetworkConfig("x", configtest.ReadFixture(t, "netconfig/badsubnet.yaml"))
	if err == nil || !strings.Contains(err.Error(), "192.168.1.300") {
		t.Errorf("bad address: %v", err)
	}
	_, err = ParseNetworkConfig("x", []byte("version: 2\nethernets: [a]\n"))
	if es := configtest.FieldErrors(t, err); es[0].Line != 2 {
		t.Errorf("type error line: %v", es)
	}
}

func TestWithPrefix(t *testing.T) {
	cases := map[[2]string]string{
		{"10.0.0.5", "255.255.255.0"}:            "10.0.0.5/24",
		{"10.0.0.5", "24"}:                       "10.0.0.5/24",
		{"10.0.0.5/16", ""}:                      "10.0.0.5/16",
		{"2001:db8::5", "ffff:ffff:ffff:ffff::"}: "2001:db8::5/64",
		{"10.0.0.5", ""}:                         "10.0.0.5/32",
	}
	for in, want := range cases {
		if got, err := WithPrefix(in[0], in[1]); err != nil || got != want {
			t.Errorf("%v: %q %v, want %q", in, got, err, want)
		}
	}
	for _, bad := range [][2]string{{"10.0.0.5", "255.0.255.0"}, {"x", ""}, {"10.0.0.5", "33"}} {
		if _, err := WithPrefix(bad[0], bad[1]); err == nil {
			t.Errorf("%v: want an error", bad)
		}
	}
}
