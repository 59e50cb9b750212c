package network

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config"
)

func TestParseConfigErrors(t *testing.T) {
	no := false
	tests := []struct {
		name string
		cfg  config.Network
		want string // in the message
	}{
		{"no name or mac", config.Network{Interfaces: []config.Interface{{}}}, "network.interfaces[0]: no name and no mac"},
		{"bad mac", config.Network{Interfaces: []config.Interface{{MAC: "52:54"}}}, "network.interfaces[0].mac"},
		{"bad address", config.Network{Interfaces: []config.Interface{{Name: "eth0", Addresses: []string{"10.0.0.5"}}}}, `network.interfaces[0].addresses[0]: "10.0.0.5" is not an address with a prefix length`},
		{"bad gateway", config.Network{Interfaces: []config.Interface{{Name: "eth0", Gateway: "router"}}}, "network.interfaces[0].gateway"},
		{"bad dns", config.Network{Interfaces: []config.Interface{{Name: "eth0", DNS: []string{"dns.google"}}}}, "network.interfaces[0].dns[0]"},
		{"bad nameserver", config.Network{Nameservers: []string{"1.1.1"}}, "network.nameservers[0]"},
		{"bad search", config.Network{Search: []string{"a b"}}, "network.search[0]"},
		{"bad mtu", config.Network{Interfaces: []config.Interface{{Name: "eth0", MTU: 20}}}, "network.interfaces[0].mtu: 20 is out of range"},
		{"route without to", config.Network{Interfaces: []config.Interface{{Name: "eth0", Routes: []config.Route{{Via: "10.0.0.1"}}}}}, "network.interfaces[0].routes[0].to: missing"},
		{"route bad to", config.Network{Interfaces: []config.Interface{{Name: "eth0", Routes: []config.Route{{To: "10.0.0.0"}}}}}, "routes[0].to"},
		{"route families", config.Network{Interfaces: []config.Interface{{Name: "eth0", Routes: []config.Route{{To: "10.0.0.0/8", Via: "fe80::1"}}}}}, "different IP families"},
		{"route metric", config.Network{Interfaces: []config.Interface{{Name: "eth0", Routes: []config.Route{{To: "default", Via: "10.0.0.1", Metric: -1}}}}}, "metric"},
		{"dhcp off, nothing else", config.Network{Interfaces: []config.Interface{{Name: "eth0", DHCP: &no}}}, "dhcp is off and no addresses"},
		{"twice", config.Network{Interfaces: []config.Interface{{Name: "eth0"}, {Name: "eth0"}}}, "network.interfaces[1]: interface eth0 is listed twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(tt.cfg)
			if err == nil || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want ErrConfig containing %q", err, tt.want)
			}
		})
	}
}

func TestParseConfig(t *testing.T) {
	p, err := parseConfig(config.Network{
		Nameservers: []string{"1.1.1.1"},
		Search:      []string{"example.com."},
		Interfaces: []config.Interface{
			{Name: "eth0"},
			{MAC: "52:54:00:12:34:56", Addresses: []string{"10.0.0.5/24"}, Routes: []config.Route{{To: "default", Via: "10.0.0.1", Metric: 5}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.auto || len(p.links) != 2 || p.search[0] != "example.com" || p.dns[0] != netip.MustParseAddr("1.1.1.1") {
		t.Fatalf("plan = %+v", p)
	}
	if !p.links[0].dhcp || p.links[1].dhcp {
		t.Errorf("dhcp = %v, %v; want true (no addresses), false (static)", p.links[0].dhcp, p.links[1].dhcp)
	}
	if r := p.links[1].routes[0]; r.to != netip.MustParsePrefix("0.0.0.0/0") || r.metric != 5 || !p.links[1].staticDefault() {
		t.Errorf("route = %+v, want default metric 5", r)
	}
	if p2, _ := parseConfig(config.Network{Nameservers: []string{"1.1.1.1"}}); !p2.auto {
		t.Errorf("config without interfaces is not automatic DHCP")
	}
}
