package cloudinit

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"

	yaml "go.yaml.in/yaml/v3"

	"github.com/outpost-os/outpost/services/config"
)

// ParseNetworkConfig reads a NoCloud network-config file, version 1 or 2
// (netplan-like), with or without the top-level network: key, into a layer
// that sets the network key. Physical interfaces (v1 type physical, v2
// ethernets) are supported; bonds, bridges and VLANs are warned about and
// ignored. "config: disabled" gives an empty layer.
func ParseNetworkConfig(source string, data []byte) (*config.Layer, error) {
	if len(data) > config.MaxSize {
		return nil, fmt.Errorf("network-config: %d bytes is over the %d byte limit", len(data), config.MaxSize)
	}
	root, err := config.ParseYAML(source, data)
	if err != nil || root == nil {
		return nil, err
	}
	if root.Kind == yaml.MappingNode {
		if inner := MapValue(root, "network"); inner != nil {
			root = inner
		}
	}
	var head struct {
		Version int `yaml:"version"`
		Config  any `yaml:"config"`
	}
	if err := root.Decode(&head); err != nil {
		return nil, NetErr(source, root.Line, "", err)
	}
	if head.Config == "disabled" {
		return config.NewLayer(source), nil
	}
	l := config.NewLayer(source)
	switch head.Version {
	case 1:
		err = parseNetV1(l, root)
	case 2:
		err = parseNetV2(l, root)
	default:
		return nil, config.Errors{{Source: source, Line: root.Line, Path: "network-config", Msg: fmt.Sprintf("version %d is not supported: use version 1 or 2", head.Version)}}
	}
	if err != nil {
		return nil, err
	}
	if !l.Config.Network.IsZero() {
		l.Keys["network"] = root.Line
		l.Lines["network"] = root.Line
	}
	return l, nil
}

// MapValue is the value of key in the YAML mapping n, or nil.
func MapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// NetErr gives a decoding error the source's line and, where it has none,
// the path under network-config.
func NetErr(source string, line int, path string, err error) error {
	es := asErrors(source, err)
	for i := range es {
		if es[i].Line == 0 {
			es[i].Line = line
		}
		if es[i].Path == "" {
			es[i].Path = "network-config" + path
		}
	}
	return es
}

// netV1 is cloud-init's network config version 1.
type netV1 struct {
	Config []struct {
		Type       string   `yaml:"type"`
		Name       string   `yaml:"name"`
		MACAddress string   `yaml:"mac_address"`
		MTU        int      `yaml:"mtu"`
		Subnets    []subnet `yaml:"subnets"`
		// type: nameserver
		Address any      `yaml:"address"`
		Search  []string `yaml:"search"`
		// type: route
		Destination string `yaml:"destination"`
		Network     string `yaml:"network"`
		Netmask     string `yaml:"netmask"`
		Gateway     string `yaml:"gateway"`
		Metric      int    `yaml:"metric"`
	} `yaml:"config"`
}

type subnet struct {
	Type           string   `yaml:"type"`
	Address        string   `yaml:"address"`
	Netmask        string   `yaml:"netmask"`
	Gateway        string   `yaml:"gateway"`
	DNSNameservers []string `yaml:"dns_nameservers"`
	DNSSearch      []string `yaml:"dns_search"`
	Routes         []struct {
		Network     string `yaml:"network"`
		Destination string `yaml:"destination"`
		Netmask     string `yaml:"netmask"`
		Gateway     string `yaml:"gateway"`
		Metric      int    `yaml:"metric"`
	} `yaml:"routes"`
}

func parseNetV1(l *config.Layer, root *yaml.Node) error {
	var v1 netV1
	if err := root.Decode(&v1); err != nil {
		return NetErr(l.Source, root.Line, "", err)
	}
	n := &l.Config.Network
	for i, item := range v1.Config {
		switch item.Type {
		case "physical":
			ifc := config.Interface{Name: item.Name, MAC: item.MACAddress, MTU: item.MTU}
			if err := applySubnets(&ifc, item.Subnets, n); err != nil {
				return config.Errors{{Source: l.Source, Path: fmt.Sprintf("network-config.config[%d]", i), Msg: err.Error()}}
			}
			n.Interfaces = append(n.Interfaces, ifc)
		case "nameserver":
			n.Nameservers = append(n.Nameservers, stringList(item.Address)...)
			n.Search = append(n.Search, item.Search...)
		case "route":
			r, err := Route(item.Destination+item.Network, item.Netmask, item.Gateway, item.Metric)
			if err != nil || len(n.Interfaces) == 0 {
				l.Warnings = append(l.Warnings, config.Warning{Source: l.Source, Path: fmt.Sprintf("network-config.config[%d]", i), Msg: "global route ignored: it needs a physical interface before it and a valid destination"})
				continue
			}
			last := &n.Interfaces[len(n.Interfaces)-1]
			last.Routes = append(last.Routes, r)
		default:
			l.Warnings = append(l.Warnings, config.Warning{Source: l.Source, Path: fmt.Sprintf("network-config.config[%d]", i), Msg: fmt.Sprintf("type %q is not supported by Outpost, ignored", item.Type)})
		}
	}
	return nil
}

func applySubnets(ifc *config.Interface, subnets []subnet, n *config.Network) error {
	dhcp := false
	for _, s := range subnets {
		switch s.Type {
		case "dhcp", "dhcp4", "dhcp6", "ipv6_dhcpv6-stateless", "ipv6_dhcpv6-stateful", "ipv6_slaac":
			dhcp = true
			continue
		case "static", "static6":
		default:
			return fmt.Errorf("subnet type %q is not supported: use static or dhcp", s.Type)
		}
		addr, err := WithPrefix(s.Address, s.Netmask)
		if err != nil {
			return err
		}
		ifc.Addresses = append(ifc.Addresses, addr)
		if s.Gateway != "" && ifc.Gateway == "" {
			ifc.Gateway = s.Gateway
		}
		ifc.DNS = append(ifc.DNS, s.DNSNameservers...)
		n.Search = appendNew(n.Search, s.DNSSearch...)
		for _, r := range s.Routes {
			route, err := Route(r.Network+r.Destination, r.Netmask, r.Gateway, r.Metric)
			if err != nil {
				return err
			}
			ifc.Routes = append(ifc.Routes, route)
		}
	}
	if dhcp {
		on := true
		ifc.DHCP = &on
	}
	return nil
}

// WithPrefix joins an address and a dotted or numeric netmask into CIDR; an
// address that already has a prefix is kept. The config-drive source
// (OpenStack's network_data.json) reads its addresses with it too.
func WithPrefix(addr, netmask string) (string, error) {
	if p, err := netip.ParsePrefix(addr); err == nil {
		return p.String(), nil
	}
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "", fmt.Errorf("address %q is not an IP address", addr)
	}
	bits, err := maskBits(netmask, a.BitLen())
	if err != nil {
		return "", err
	}
	return netip.PrefixFrom(a, bits).String(), nil
}

func maskBits(netmask string, max int) (int, error) {
	if netmask == "" {
		return max, nil
	}
	var n int
	if _, err := fmt.Sscanf(netmask, "%d", &n); err == nil && fmt.Sprint(n) == netmask && n >= 0 && n <= max {
		return n, nil
	}
	m, err := netip.ParseAddr(netmask)
	if err != nil || m.BitLen() != max {
		return 0, fmt.Errorf("netmask %q is not valid", netmask)
	}
	b := m.AsSlice()
	ones, done := 0, false
	for _, by := range b {
		for i := 7; i >= 0; i-- {
			set := by&(1<<i) != 0
			if set && done {
				return 0, fmt.Errorf("netmask %q is not contiguous", netmask)
			}
			if set {
				ones++
			} else {
				done = true
			}
		}
	}
	return ones, nil
}

// Route makes a route as network-config version 1 gives one: a
// destination with a dotted or numeric netmask, a gateway and a metric; a
// zero-length prefix is the default route. The config-drive source reads
// OpenStack's routes with it too.
func Route(dest, netmask, gateway string, metric int) (config.Route, error) {
	if dest == "" {
		return config.Route{}, fmt.Errorf("route without a destination")
	}
	to, err := WithPrefix(dest, netmask)
	if err != nil {
		return config.Route{}, err
	}
	if p, _ := netip.ParsePrefix(to); p.Bits() == 0 {
		to = "default"
	}
	return config.Route{To: to, Via: gateway, Metric: metric}, nil
}

func stringList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}

// netV2 is the netplan-like version 2.
type netV2 struct {
	Ethernets map[string]struct {
		Match struct {
			MACAddress string `yaml:"macaddress"`
			Name       string `yaml:"name"`
		} `yaml:"match"`
		SetName     string   `yaml:"set-name"`
		DHCP4       *bool    `yaml:"dhcp4"`
		DHCP6       *bool    `yaml:"dhcp6"`
		Addresses   []string `yaml:"addresses"`
		Gateway4    string   `yaml:"gateway4"`
		Gateway6    string   `yaml:"gateway6"`
		MTU         int      `yaml:"mtu"`
		Nameservers struct {
			Addresses []string `yaml:"addresses"`
			Search    []string `yaml:"search"`
		} `yaml:"nameservers"`
		Routes []struct {
			To     string `yaml:"to"`
			Via    string `yaml:"via"`
			Metric int    `yaml:"metric"`
		} `yaml:"routes"`
	} `yaml:"ethernets"`
	Bonds   map[string]any `yaml:"bonds"`
	Bridges map[string]any `yaml:"bridges"`
	VLANs   map[string]any `yaml:"vlans"`
	Wifis   map[string]any `yaml:"wifis"`
}

func parseNetV2(l *config.Layer, root *yaml.Node) error {
	var v2 netV2
	if err := root.Decode(&v2); err != nil {
		return NetErr(l.Source, root.Line, "", err)
	}
	for kind, m := range map[string]map[string]any{"bonds": v2.Bonds, "bridges": v2.Bridges, "vlans": v2.VLANs, "wifis": v2.Wifis} {
		if len(m) > 0 {
			l.Warnings = append(l.Warnings, config.Warning{Source: l.Source, Path: "network-config." + kind, Msg: "not supported by Outpost, ignored"})
		}
	}
	ids := make([]string, 0, len(v2.Ethernets))
	for id := range v2.Ethernets {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	n := &l.Config.Network
	for _, id := range ids {
		e := v2.Ethernets[id]
		ifc := config.Interface{Name: e.SetName, MAC: e.Match.MACAddress, MTU: e.MTU, Addresses: e.Addresses, DNS: e.Nameservers.Addresses}
		if ifc.Name == "" {
			ifc.Name = e.Match.Name
		}
		if ifc.Name == "" && ifc.MAC == "" {
			ifc.Name = id
		}
		ifc.Gateway = e.Gateway4
		if ifc.Gateway == "" {
			ifc.Gateway = e.Gateway6
		}
		if e.DHCP4 != nil || e.DHCP6 != nil {
			on := (e.DHCP4 != nil && *e.DHCP4) || (e.DHCP6 != nil && *e.DHCP6)
			ifc.DHCP = &on
		}
		for _, r := range e.Routes {
			to := r.To
			if to == "0.0.0.0/0" || to == "::/0" {
				to = "default"
			}
			ifc.Routes = append(ifc.Routes, config.Route{To: to, Via: r.Via, Metric: r.Metric})
		}
		n.Search = appendNew(n.Search, e.Nameservers.Search...)
		n.Interfaces = append(n.Interfaces, ifc)
	}
	return nil
}
