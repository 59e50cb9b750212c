package network

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
)

// Lease is what a DHCP server gave an interface.
type Lease struct {
	Address  netip.Prefix // address with the subnet's prefix length
	Router   netip.Addr   // first router; invalid when none was given
	DNS      []netip.Addr
	Domain   string   // option 15
	Search   []string // option 119, or Domain when the server sent no list
	MTU      int      // option 26; 0 when absent or out of range
	Hostname string   // option 12
	Server   netip.Addr
	Duration time.Duration // lease time
	T1, T2   time.Duration // renewal and rebinding times
	Acquired time.Time
}

// defaultLeaseTime is assumed when a server sends no lease time option.
const defaultLeaseTime = time.Hour

// leaseFromACK reads a lease out of a DHCPACK. It checks everything it
// uses, since the packet comes from the network.
func leaseFromACK(ack *dhcpv4.DHCPv4, acquired time.Time) (Lease, error) {
	if ack == nil || ack.MessageType() != dhcpv4.MessageTypeAck {
		return Lease{}, fmt.Errorf("not a DHCPACK")
	}
	addr, ok := netip.AddrFromSlice(ack.YourIPAddr.To4())
	if !ok || !usableHost(addr) {
		return Lease{}, fmt.Errorf("DHCPACK offers no usable address (yiaddr %v)", ack.YourIPAddr)
	}
	l := Lease{
		Address:  netip.PrefixFrom(addr, maskBits(ack.Options.Get(dhcpv4.OptionSubnetMask), addr)),
		Router:   firstIP(ipv4s(ack.Router())),
		DNS:      ipv4s(ack.DNS()),
		Domain:   cleanDomain(ack.DomainName()),
		Search:   searchList(ack),
		MTU:      mtuOption(ack.Options.Get(dhcpv4.OptionInterfaceMTU)),
		Hostname: cleanHostname(ack.HostName()),
		Server:   firstIP(ipv4s([]net.IP{ack.ServerIdentifier()})),
		Acquired: acquired,
	}
	l.Duration, l.T1, l.T2 = leaseTimes(ack)
	return l, nil
}

// usableHost rejects addresses a server must never hand out.
func usableHost(a netip.Addr) bool {
	return a.Is4() && !a.IsUnspecified() && !a.IsLoopback() && !a.IsMulticast() && a != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// maskBits reads option 1; a missing or non-contiguous mask falls back to
// the address's classful default, as other clients do.
func maskBits(opt []byte, addr netip.Addr) int {
	if len(opt) == 4 {
		m := binary.BigEndian.Uint32(opt)
		ones := 0
		for m&0x80000000 != 0 {
			m <<= 1
			ones++
		}
		if m == 0 {
			return ones
		}
	}
	switch b := addr.As4()[0]; {
	case b < 128:
		return 8
	case b < 192:
		return 16
	default:
		return 24
	}
}

// leaseTimes returns the lease time, T1 and T2, fixed up so that
// 0 < T1 <= T2 <= lease (RFC 2131 section 4.4.5 defaults otherwise).
func leaseTimes(ack *dhcpv4.DHCPv4) (lease, t1, t2 time.Duration) {
	lease = ack.IPAddressLeaseTime(defaultLeaseTime)
	if lease <= 0 {
		lease = defaultLeaseTime
	}
	t1 = ack.IPAddressRenewalTime(lease / 2)
	t2 = ack.IPAddressRebindingTime(lease * 7 / 8)
	if t2 <= 0 || t2 > lease {
		t2 = lease * 7 / 8
	}
	if t1 <= 0 || t1 > t2 {
		t1 = t2 / 2
		if t1 > lease/2 {
			t1 = lease / 2
		}
	}
	return lease, t1, t2
}

// infinite tells whether the server leased the address forever.
func (l Lease) infinite() bool {
	return l.Duration >= 0xffffffff*time.Second
}

func mtuOption(b []byte) int {
	if len(b) != 2 {
		return 0
	}
	if m := int(binary.BigEndian.Uint16(b)); m >= 68 {
		return m
	}
	return 0
}

func searchList(ack *dhcpv4.DHCPv4) []string {
	var out []string
	if labels := ack.DomainSearch(); labels != nil {
		for _, d := range labels.Labels {
			if d = cleanDomain(d); d != "" {
				out = append(out, d)
			}
		}
	}
	if len(out) == 0 {
		if d := cleanDomain(ack.DomainName()); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// cleanDomain returns d without its final dot, or "" when d is no valid
// domain name: servers can send anything, and these names end up in
// resolv.conf.
func cleanDomain(d string) string {
	d = strings.TrimSuffix(d, ".")
	if !validDomain(d) {
		return ""
	}
	return d
}

// cleanHostname keeps a hostname option only when it is a valid name.
func cleanHostname(h string) string {
	if !validDomain(h) {
		return ""
	}
	return h
}

func firstIP(ips []netip.Addr) netip.Addr {
	if len(ips) == 0 {
		return netip.Addr{}
	}
	return ips[0]
}

// ipv4s keeps the usable IPv4 addresses of ips.
func ipv4s(ips []net.IP) []netip.Addr {
	var out []netip.Addr
	for _, ip := range ips {
		a, ok := netip.AddrFromSlice(ip.To4())
		if ok && usableHost(a) {
			out = append(out, a)
		}
	}
	return out
}
