package config

// Network is the node's network configuration. An empty Network means DHCP
// on every wired interface that has a carrier.
type Network struct {
	Interfaces  []Interface `json:"interfaces,omitempty" yaml:"interfaces,omitempty"`
	Nameservers []string    `json:"nameservers,omitempty" yaml:"nameservers,omitempty"`
	Search      []string    `json:"search,omitempty" yaml:"search,omitempty"`
}

// Interface configures one link, chosen by Name or by MAC.
type Interface struct {
	Name      string   `json:"name,omitempty" yaml:"name,omitempty"`
	MAC       string   `json:"mac,omitempty" yaml:"mac,omitempty"`
	DHCP      *bool    `json:"dhcp,omitempty" yaml:"dhcp,omitempty"`           // default: true when Addresses is empty
	Addresses []string `json:"addresses,omitempty" yaml:"addresses,omitempty"` // CIDR, e.g. 192.168.1.10/24
	Gateway   string   `json:"gateway,omitempty" yaml:"gateway,omitempty"`
	Routes    []Route  `json:"routes,omitempty" yaml:"routes,omitempty"`
	DNS       []string `json:"dns,omitempty" yaml:"dns,omitempty"`
	MTU       int      `json:"mtu,omitempty" yaml:"mtu,omitempty"`
}

// Route is a static route through an interface.
type Route struct {
	To     string `json:"to" yaml:"to"` // CIDR; "default" or 0.0.0.0/0 for the default route
	Via    string `json:"via,omitempty" yaml:"via,omitempty"`
	Metric int    `json:"metric,omitempty" yaml:"metric,omitempty"`
}

// UsesDHCP tells whether the interface takes its address from DHCP.
func (i Interface) UsesDHCP() bool {
	if i.DHCP != nil {
		return *i.DHCP
	}
	return len(i.Addresses) == 0
}

// NTP lists the time servers the clock is set from at boot.
type NTP struct {
	Servers []string `json:"servers,omitempty" yaml:"servers,omitempty"`
}
