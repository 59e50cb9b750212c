package network

import (
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/rfc1035label"
)

func ack(t testing.TB, mods ...dhcpv4.Modifier) *dhcpv4.DHCPv4 {
	t.Helper()
	base := []dhcpv4.Modifier{dhcpv4.WithMessageType(dhcpv4.MessageTypeAck), dhcpv4.WithYourIP(net.IPv4(192, 168, 7, 20))}
	p, err := dhcpv4.New(append(base, mods...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLeaseFromACK(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	p := ack(t,
		dhcpv4.WithOption(dhcpv4.OptSubnetMask(net.CIDRMask(22, 32))),
		dhcpv4.WithOption(dhcpv4.OptRouter(net.IPv4(0, 0, 0, 0), net.IPv4(192, 168, 4, 1))),
		dhcpv4.WithOption(dhcpv4.OptDNS(net.IPv4(192, 168, 4, 1), net.IPv4(127, 0, 0, 1), net.IPv4(9, 9, 9, 9))),
		dhcpv4.WithOption(dhcpv4.OptDomainName("lan.")),
		dhcpv4.WithOption(dhcpv4.OptDomainSearch(&rfc1035label.Labels{Labels: []string{"a.example", "bad name", "b.example"}})),
		dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionInterfaceMTU, []byte{0x05, 0xdc})),
		dhcpv4.WithOption(dhcpv4.OptHostName("edge-1")),
		dhcpv4.WithOption(dhcpv4.OptServerIdentifier(net.IPv4(192, 168, 4, 1))),
		dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(10*time.Minute)),
	)
	l, err := leaseFromACK(p, now)
	if err != nil {
		t.Fatal(err)
	}
	want := Lease{
		Address:  netip.MustParsePrefix("192.168.7.20/22"),
		Router:   netip.MustParseAddr("192.168.4.1"),
		DNS:      []netip.Addr{netip.MustParseAddr("192.168.4.1"), netip.MustParseAddr("9.9.9.9")},
		Domain:   "lan",
		Search:   []string{"a.example", "b.example"},
		MTU:      1500,
		Hostname: "edge-1",
		Server:   netip.MustParseAddr("192.168.4.1"),
		Duration: 10 * time.Minute, T1: 5 * time.Minute, T2: 10 * time.Minute * 7 / 8,
		Acquired: now,
	}
	if l.Address != want.Address || l.Router != want.Router || !slices.Equal(l.DNS, want.DNS) ||
		l.Domain != want.Domain || !slices.Equal(l.Search, want.Search) || l.MTU != want.MTU ||
		l.Hostname != want.Hostname || l.Server != want.Server || l.Duration != want.Duration ||
		l.T1 != want.T1 || l.T2 != want.T2 || !l.Acquired.Equal(now) {
		t.Errorf("lease =\n%+v\nwant\n%+v", l, want)
	}
}

func TestLeaseFromACKFixesUp(t *testing.T) {
	tests := []struct {
		name   string
		mods   []dhcpv4.Modifier
		check  func(Lease) bool
		expect string
	}{
		{"no mask: classful", nil, func(l Lease) bool { return l.Address.Bits() == 24 }, "/24 for 192.168.x"},
		{"non-contiguous mask", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionSubnetMask, []byte{255, 0, 255, 0}))},
			func(l Lease) bool { return l.Address.Bits() == 24 }, "classful /24"},
		{"T1 after T2", []dhcpv4.Modifier{
			dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(100 * time.Second)),
			dhcpv4.WithOption(dhcpv4.OptRenewTimeValue(90 * time.Second)),
			dhcpv4.WithOption(dhcpv4.OptRebindingTimeValue(80 * time.Second))},
			func(l Lease) bool { return l.T1 == 40*time.Second && l.T2 == 80*time.Second }, "T1 40s T2 80s"},
		{"T2 after lease", []dhcpv4.Modifier{
			dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(100 * time.Second)),
			dhcpv4.WithOption(dhcpv4.OptRebindingTimeValue(200 * time.Second))},
			func(l Lease) bool { return l.T2 == 87500*time.Millisecond && l.T1 == 50*time.Second }, "T2 87.5s"},
		{"tiny MTU ignored", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionInterfaceMTU, []byte{0, 10}))},
			func(l Lease) bool { return l.MTU == 0 }, "MTU 0"},
		{"hostname with newline dropped", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptHostName("a\nnameserver 6.6.6.6"))},
			func(l Lease) bool { return l.Hostname == "" }, "no hostname"},
		{"domain name as search", []dhcpv4.Modifier{dhcpv4.WithOption(dhcpv4.OptDomainName("corp.example"))},
			func(l Lease) bool { return slices.Equal(l.Search, []string{"corp.example"}) }, "search corp.example"},
		{"no lease time: one hour", nil, func(l Lease) bool { return l.Duration == time.Hour }, "1h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := leaseFromACK(ack(t, tt.mods...), time.Now())
			if err != nil {
				t.Fatal(err)
			}
			if !tt.check(l) {
				t.Errorf("lease %+v, want %s", l, tt.expect)
			}
		})
	}
}

func TestLeaseFromACKRejects(t *testing.T) {
	for name, p := range map[string]*dhcpv4.DHCPv4{
		"offer":       ack(t, dhcpv4.WithMessageType(dhcpv4.MessageTypeOffer)),
		"zero yiaddr": ack(t, dhcpv4.WithYourIP(net.IPv4zero)),
		"broadcast":   ack(t, dhcpv4.WithYourIP(net.IPv4bcast)),
		"loopback":    ack(t, dhcpv4.WithYourIP(net.IPv4(127, 0, 0, 5))),
		"nil":         nil,
	} {
		if _, err := leaseFromACK(p, time.Now()); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzLeaseFromACK feeds arbitrary packets through the option handling:
// it must never panic, and what it accepts must be safe to configure.
func FuzzLeaseFromACK(f *testing.F) {
	f.Add(ack(f, dhcpv4.WithOption(dhcpv4.OptSubnetMask(net.CIDRMask(24, 32))),
		dhcpv4.WithOption(dhcpv4.OptRouter(net.IPv4(192, 168, 7, 1))),
		dhcpv4.WithOption(dhcpv4.OptDomainSearch(&rfc1035label.Labels{Labels: []string{"x.example"}})),
		dhcpv4.WithOption(dhcpv4.OptIPAddressLeaseTime(time.Minute))).ToBytes())
	f.Add(ack(f, dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionDNSDomainSearchList, []byte{3, 'a', 'b'}))).ToBytes())
	f.Add(ack(f, dhcpv4.WithOption(dhcpv4.OptGeneric(dhcpv4.OptionRenewTimeValue, []byte{0xff, 0xff, 0xff, 0xff}))).ToBytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := dhcpv4.FromBytes(data)
		if err != nil {
			return
		}
		l, err := leaseFromACK(p, time.Now())
		if err != nil {
			return
		}
		if !l.Address.IsValid() || !l.Address.Addr().Is4() || l.Address.Bits() > 32 {
			t.Fatalf("bad address %v", l.Address)
		}
		if !(0 < l.T1 && l.T1 <= l.T2 && l.T2 <= l.Duration) {
			t.Fatalf("bad times T1 %s T2 %s lease %s", l.T1, l.T2, l.Duration)
		}
		if l.MTU != 0 && (l.MTU < 68 || l.MTU > 65535) {
			t.Fatalf("bad MTU %d", l.MTU)
		}
		for _, d := range append(slices.Clone(l.Search), l.Domain, l.Hostname) {
			if d != "" && !validDomain(d) {
				t.Fatalf("unsafe name %q", d)
			}
		}
	})
}
