package network

import (
	"errors"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// primaryIP finds the node's IPv4 address: on the link of the main
// table's IPv4 default route with the lowest metric, else on the first of
// the configured links that has one.
func primaryIP(h *netlink.Handle, configured []int) netip.Addr {
	if r, ok := defaultRoute(h); ok {
		if src, ok := netip.AddrFromSlice(r.Src.To4()); ok {
			return src
		}
		if a := firstIPv4(h, r.LinkIndex, r.Gw); a.IsValid() {
			return a
		}
	}
	for _, idx := range configured {
		if a := firstIPv4(h, idx, nil); a.IsValid() {
			return a
		}
	}
	return netip.Addr{}
}

func defaultRoute(h *netlink.Handle) (netlink.Route, bool) {
	routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return netlink.Route{}, false
	}
	var best netlink.Route
	found := false
	for _, r := range routes {
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones != 0 {
				continue
			}
		}
		if r.LinkIndex > 0 && (!found || r.Priority < best.Priority) {
			best, found = r, true
		}
	}
	return best, found
}

// firstIPv4 returns the link's first global IPv4 address, preferring one
// on the gateway's subnet.
func firstIPv4(h *netlink.Handle, index int, gw []byte) netip.Addr {
	l, err := h.LinkByIndex(index)
	if err != nil {
		return netip.Addr{}
	}
	addrs, err := h.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return netip.Addr{}
	}
	var first netip.Addr
	for _, a := range addrs {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok || a.Scope != unix.RT_SCOPE_UNIVERSE {
			continue
		}
		if gw != nil && a.IPNet.Contains(gw) {
			return ip
		}
		if !first.IsValid() {
			first = ip
		}
	}
	return first
}
