package network

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// dhcpMetric is the metric of a DHCP default route: above any static
// route's usual metric, and distinct per link so that two DHCP links keep
// a default route each.
func dhcpMetric(index int) int {
	return 1024 + index
}

// staticDefault tells whether the configuration gives the link a default
// route of its own, which wins over the DHCP router.
func (lp linkPlan) staticDefault() bool {
	if lp.gateway.Is4() {
		return true
	}
	for _, r := range lp.routes {
		if r.to.Bits() == 0 && r.to.Addr().Is4() {
			return true
		}
	}
	return false
}

// applyLease puts a lease into effect on the link: the address with the
// lease's lifetime, the MTU and the default route, unless the
// configuration sets those. old is the lease it replaces, or nil.
func applyLease(h *netlink.Handle, l netlink.Link, lp linkPlan, old *Lease, lease Lease) error {
	name := l.Attrs().Name
	if old != nil && old.Address != lease.Address {
		if err := removeLease(h, l, *old); err != nil {
			return err
		}
	}
	if lp.mtu == 0 && lease.MTU != 0 && lease.MTU != l.Attrs().MTU {
		if err := h.LinkSetMTU(l, lease.MTU); err != nil {
			return fmt.Errorf("set MTU %d from DHCP on %s: %w", lease.MTU, name, err)
		}
	}
	if err := h.AddrReplace(l, leaseAddr(lease)); err != nil {
		return fmt.Errorf("add address %s to %s: %w", lease.Address, name, err)
	}
	if lp.staticDefault() || !lease.Router.IsValid() {
		return nil
	}
	if old != nil && old.Router != lease.Router {
		deleteRoute(h, leaseRoute(l, *old))
	}
	if err := h.RouteReplace(leaseRoute(l, lease)); err != nil {
		return fmt.Errorf("add default route via %s on %s: %w", lease.Router, name, err)
	}
	return nil
}

// removeLease takes a lost or released lease's address and route away.
// An address that is gone already (the kernel drops it when its lifetime
// ends) is no error.
func removeLease(h *netlink.Handle, l netlink.Link, lease Lease) error {
	if lease.Router.IsValid() {
		deleteRoute(h, leaseRoute(l, lease))
	}
	err := h.AddrDel(l, leaseAddr(lease))
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("remove address %s from %s: %w", lease.Address, l.Attrs().Name, err)
	}
	return nil
}

func deleteRoute(h *netlink.Handle, r *netlink.Route) {
	_ = h.RouteDel(r) // ESRCH when it is gone already
}

func leaseAddr(lease Lease) *netlink.Addr {
	a := &netlink.Addr{IPNet: ipNet(lease.Address), Broadcast: broadcast(lease.Address)}
	if !lease.infinite() {
		secs := int(lease.Duration / time.Second)
		a.ValidLft, a.PreferedLft = secs, secs
	}
	return a
}

func leaseRoute(l netlink.Link, lease Lease) *netlink.Route {
	r := &netlink.Route{
		LinkIndex: l.Attrs().Index,
		Dst:       ipNet(netip.PrefixFrom(netip.IPv4Unspecified(), 0)),
		Gw:        net.IP(lease.Router.AsSlice()),
		Priority:  dhcpMetric(l.Attrs().Index),
		Protocol:  unix.RTPROT_DHCP,
		Src:       net.IP(lease.Address.Addr().AsSlice()),
	}
	if !lease.Address.Contains(lease.Router) {
		r.Flags = int(netlink.FLAG_ONLINK)
	}
	return r
}

func broadcast(p netip.Prefix) net.IP {
	if p.Bits() >= 31 {
		return nil
	}
	a := p.Addr().As4()
	m := net.CIDRMask(p.Bits(), 32)
	for i := range a {
		a[i] |= ^m[i]
	}
	return net.IP(a[:])
}
