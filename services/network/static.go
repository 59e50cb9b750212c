package network

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// applyStatic sets the MTU, the addresses, the gateway and the routes that
// the configuration gives for the link.
func applyStatic(h *netlink.Handle, l netlink.Link, lp linkPlan) error {
	name := l.Attrs().Name
	if lp.mtu != 0 {
		if err := h.LinkSetMTU(l, lp.mtu); err != nil {
			return fmt.Errorf("set MTU %d on %s: %w", lp.mtu, name, err)
		}
	}
	for _, a := range lp.addrs {
		if err := h.AddrReplace(l, &netlink.Addr{IPNet: ipNet(a)}); err != nil {
			return fmt.Errorf("add address %s to %s: %w", a, name, err)
		}
	}
	if lp.gateway.IsValid() {
		to := netip.PrefixFrom(netip.IPv4Unspecified(), 0)
		if lp.gateway.Is6() {
			to = netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
		if err := addRoute(h, l, routePlan{to: to, via: lp.gateway}, lp.addrs); err != nil {
			return err
		}
	}
	for _, r := range lp.routes {
		if err := addRoute(h, l, r, lp.addrs); err != nil {
			return err
		}
	}
	return nil
}

// addRoute installs r through link l; a gateway outside the link's
// subnets is marked on-link, as is usual with /32 addresses.
func addRoute(h *netlink.Handle, l netlink.Link, r routePlan, addrs []netip.Prefix) error {
	route := &netlink.Route{
		LinkIndex: l.Attrs().Index,
		Dst:       ipNet(r.to),
		Priority:  r.metric,
		Protocol:  unix.RTPROT_STATIC,
		Scope:     netlink.SCOPE_UNIVERSE,
	}
	if r.via.IsValid() {
		route.Gw = net.IP(r.via.AsSlice())
		if !onSubnet(r.via, addrs) {
			route.Flags = int(netlink.FLAG_ONLINK)
		}
	} else {
		route.Scope = netlink.SCOPE_LINK
	}
	if err := h.RouteReplace(route); err != nil {
		return fmt.Errorf("add route to %s via %s on %s: %w", r.to, viaText(r.via), l.Attrs().Name, err)
	}
	return nil
}

func viaText(via netip.Addr) string {
	if !via.IsValid() {
		return "the link"
	}
	return via.String()
}

func onSubnet(ip netip.Addr, addrs []netip.Prefix) bool {
	for _, a := range addrs {
		if a.Contains(ip) {
			return true
		}
	}
	return false
}

func ipNet(p netip.Prefix) *net.IPNet {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), bits)}
}
