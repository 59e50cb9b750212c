package network

import (
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/outpost-os/outpost/services/config"
)

// plan is a validated config.Network.
type plan struct {
	links  []linkPlan
	auto   bool // no interfaces listed: DHCP on every wired link
	dns    []netip.Addr
	search []string
}

// linkPlan is one validated config.Interface.
type linkPlan struct {
	where   string // "network.interfaces[0]", for messages
	name    string
	mac     net.HardwareAddr
	dhcp    bool
	addrs   []netip.Prefix
	gateway netip.Addr
	routes  []routePlan
	dns     []netip.Addr
	mtu     int
}

type routePlan struct {
	to     netip.Prefix
	via    netip.Addr
	metric int
}

// label names the interface in messages: its name, its MAC, or both.
func (l linkPlan) label() string {
	switch {
	case l.name != "" && l.mac != nil:
		return fmt.Sprintf("%s (%s)", l.name, l.mac)
	case l.name != "":
		return l.name
	default:
		return l.mac.String()
	}
}

func parseConfig(cfg config.Network) (plan, error) {
	p := plan{auto: len(cfg.Interfaces) == 0}
	var err error
	if p.dns, err = parseIPs("network.nameservers", cfg.Nameservers); err != nil {
		return plan{}, err
	}
	if p.search, err = parseSearch("network.search", cfg.Search); err != nil {
		return plan{}, err
	}
	seen := map[string]bool{}
	for i, ifc := range cfg.Interfaces {
		lp, err := parseInterface(fmt.Sprintf("network.interfaces[%d]", i), ifc)
		if err != nil {
			return plan{}, err
		}
		key := lp.name + "/" + lp.mac.String()
		if seen[key] {
			return plan{}, configErr(lp.where, "interface %s is listed twice: merge the two entries", lp.label())
		}
		seen[key] = true
		p.links = append(p.links, lp)
	}
	return p, nil
}

func parseInterface(where string, ifc config.Interface) (linkPlan, error) {
	lp := linkPlan{where: where, name: ifc.Name, dhcp: ifc.UsesDHCP(), mtu: ifc.MTU}
	if ifc.Name == "" && ifc.MAC == "" {
		return linkPlan{}, configErr(where, "no name and no mac: set name (e.g. eth0) or mac (e.g. 52:54:00:12:34:56)")
	}
	if ifc.MAC != "" {
		mac, err := net.ParseMAC(ifc.MAC)
		if err != nil {
			return linkPlan{}, configErr(where+".mac", "%q is not a MAC address like 52:54:00:12:34:56", ifc.MAC)
		}
		lp.mac = mac
	}
	if ifc.MTU != 0 && (ifc.MTU < 68 || ifc.MTU > 65535) {
		return linkPlan{}, configErr(where+".mtu", "%d is out of range: use 68 to 65535, or leave it out", ifc.MTU)
	}
	var err error
	if lp.addrs, err = parsePrefixes(where+".addresses", ifc.Addresses); err != nil {
		return linkPlan{}, err
	}
	if lp.gateway, err = parseGateway(where+".gateway", ifc.Gateway); err != nil {
		return linkPlan{}, err
	}
	if lp.dns, err = parseIPs(where+".dns", ifc.DNS); err != nil {
		return linkPlan{}, err
	}
	for j, r := range ifc.Routes {
		rp, err := parseRoute(fmt.Sprintf("%s.routes[%d]", where, j), r)
		if err != nil {
			return linkPlan{}, err
		}
		lp.routes = append(lp.routes, rp)
	}
	if !lp.dhcp && len(lp.addrs) == 0 {
		return linkPlan{}, configErr(where, "dhcp is off and no addresses are given: add addresses or set dhcp: true")
	}
	return lp, nil
}

func parsePrefixes(where string, in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for i, s := range in {
		pfx, err := netip.ParsePrefix(strings.TrimSpace(s))
		if err != nil {
			return nil, configErr(fmt.Sprintf("%s[%d]", where, i), "%q is not an address with a prefix length like 192.168.1.10/24", s)
		}
		out = append(out, pfx)
	}
	return out, nil
}

func parseGateway(where, s string) (netip.Addr, error) {
	if s == "" {
		return netip.Addr{}, nil
	}
	ip, err := netip.ParseAddr(strings.TrimSpace(s))
	if err != nil {
		return netip.Addr{}, configErr(where, "%q is not an IP address like 192.168.1.1", s)
	}
	return ip, nil
}

func parseIPs(where string, in []string) ([]netip.Addr, error) {
	var out []netip.Addr
	for i, s := range in {
		ip, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return nil, configErr(fmt.Sprintf("%s[%d]", where, i), "%q is not an IP address like 1.1.1.1", s)
		}
		out = append(out, ip)
	}
	return out, nil
}

func parseSearch(where string, in []string) ([]string, error) {
	var out []string
	for i, s := range in {
		if !validDomain(s) {
			return nil, configErr(fmt.Sprintf("%s[%d]", where, i), "%q is not a domain name like example.com", s)
		}
		out = append(out, strings.TrimSuffix(s, "."))
	}
	return out, nil
}

func parseRoute(where string, r config.Route) (routePlan, error) {
	var rp routePlan
	to := strings.TrimSpace(r.To)
	switch to {
	case "":
		return rp, configErr(where+".to", "missing: give a destination like 10.0.0.0/8 or default")
	case "default":
		to = "0.0.0.0/0"
		if v, err := netip.ParseAddr(r.Via); err == nil && v.Is6() {
			to = "::/0"
		}
	}
	pfx, err := netip.ParsePrefix(to)
	if err != nil {
		return rp, configErr(where+".to", "%q is not a destination like 10.0.0.0/8 or default", r.To)
	}
	rp.to = pfx.Masked()
	if rp.via, err = parseGateway(where+".via", r.Via); err != nil {
		return rp, err
	}
	if rp.via.IsValid() && rp.via.Is4() != rp.to.Addr().Is4() {
		return rp, configErr(where, "destination %s and via %s are of different IP families", rp.to, rp.via)
	}
	if r.Metric < 0 {
		return rp, configErr(where+".metric", "%d is negative: use 0 or more", r.Metric)
	}
	rp.metric = r.Metric
	return rp, nil
}

func configErr(where, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrConfig, where, fmt.Sprintf(format, args...))
}
