package config

import (
	"fmt"
	"net"
	"net/netip"
)

func (c *checker) network(p string, n Network) {
	names := map[string]bool{}
	for i, ifc := range n.Interfaces {
		ip := fmt.Sprintf("%s.interfaces[%d]", p, i)
		c.iface(ip, ifc)
		if ifc.Name != "" {
			if names[ifc.Name] {
				c.add(ip+".name", "interface %q is configured twice", ifc.Name)
			}
			names[ifc.Name] = true
		}
	}
	c.addrs(p+".nameservers", n.Nameservers)
	for i, s := range n.Search {
		if !validHostname(s) {
			c.add(fmt.Sprintf("%s.search[%d]", p, i), "%q is not a DNS domain", s)
		}
	}
}

func (c *checker) iface(p string, ifc Interface) {
	if ifc.Name == "" && ifc.MAC == "" {
		c.add(p, "set name or mac to choose the interface")
	}
	if ifc.MAC != "" {
		if _, err := net.ParseMAC(ifc.MAC); err != nil {
			c.add(p+".mac", "%q is not a MAC address such as 52:54:00:12:34:56", ifc.MAC)
		}
	}
	for i, a := range ifc.Addresses {
		if _, err := netip.ParsePrefix(a); err != nil {
			c.add(fmt.Sprintf("%s.addresses[%d]", p, i), "%q is not an address with prefix length, such as 192.168.1.10/24", a)
		}
	}
	if !ifc.UsesDHCP() && len(ifc.Addresses) == 0 {
		c.add(p+".addresses", "dhcp is off but no address is given")
	}
	if ifc.Gateway != "" {
		if _, err := netip.ParseAddr(ifc.Gateway); err != nil {
			c.add(p+".gateway", "%q is not an IP address", ifc.Gateway)
		}
	}
	for i, r := range ifc.Routes {
		c.route(fmt.Sprintf("%s.routes[%d]", p, i), r)
	}
	c.addrs(p+".dns", ifc.DNS)
	if ifc.MTU != 0 && (ifc.MTU < 68 || ifc.MTU > 65535) {
		c.add(p+".mtu", "%d is not between 68 and 65535", ifc.MTU)
	}
}

func (c *checker) route(p string, r Route) {
	if r.To != "default" {
		if _, err := netip.ParsePrefix(r.To); err != nil {
			c.add(p+".to", "%q is not a destination such as 10.0.0.0/8 or default", r.To)
		}
	}
	if r.Via != "" {
		if _, err := netip.ParseAddr(r.Via); err != nil {
			c.add(p+".via", "%q is not an IP address", r.Via)
		}
	}
	if r.Metric < 0 {
		c.add(p+".metric", "%d is negative", r.Metric)
	}
}

func (c *checker) addrs(p string, addrs []string) {
	for i, a := range addrs {
		if _, err := netip.ParseAddr(a); err != nil {
			c.add(fmt.Sprintf("%s[%d]", p, i), "%q is not an IP address", a)
		}
	}
}

// Validate checks the network section alone, for callers that apply it
// before the rest of the configuration is known.
func (n Network) Validate() Errors {
	var c checker
	c.network("network", n)
	return c.errs
}
