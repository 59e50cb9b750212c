package metadata

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"slices"
	"strings"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// ConfigDriveLabel is the label of an OpenStack config drive (compared
// without case: vfat drives carry it upper case).
const ConfigDriveLabel = "config-2"

// configDriveDir picks the folder to read on the drive: openstack/latest,
// or the newest dated version when a drive has no latest.
func configDriveDir(fsys fs.FS) string {
	const latest = "openstack/latest"
	if _, err := fs.Stat(fsys, latest+"/meta_data.json"); err == nil {
		return latest
	}
	entries, err := fs.ReadDir(fsys, "openstack")
	if err != nil {
		return latest
	}
	newest := ""
	for _, e := range entries {
		if name := e.Name(); e.IsDir() && len(name) == 10 && name[4] == '-' && name > newest {
			newest = name
		}
	}
	if newest == "" {
		return latest
	}
	return "openstack/" + newest
}

// ConfigDriveSource is an OpenStack config drive: a volume labelled config-2.
type ConfigDriveSource struct {
	SysRoot  string
	DevRoot  string
	MountDir string
}

// Name implements Source.
func (s *ConfigDriveSource) Name() string { return config.SourceOpenStack }

// Fetch implements Source.
func (s *ConfigDriveSource) Fetch(context.Context) (*config.Layer, error) {
	return readLabelled(s.SysRoot, s.DevRoot, s.MountDir, ConfigDriveLabel, ReadConfigDrive)
}

// ReadConfigDrive reads openstack/latest/{meta_data.json, network_data.json,
// user_data} (or the newest dated folder when there is no latest) from fsys. meta_data.json is required; the others may be
// missing. The user data wins over network_data.json, which wins over
// meta_data.json.
func ReadConfigDrive(fsys fs.FS) (*config.Layer, error) {
	dir := configDriveDir(fsys)
	files := map[string][]byte{}
	for _, name := range []string{"meta_data.json", "network_data.json", "user_data"} {
		data, err := readOptional(fsys, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		files[name] = data
	}
	if files["meta_data.json"] == nil {
		return nil, fmt.Errorf("%s/meta_data.json is missing: not an OpenStack config drive", dir)
	}
	l := config.NewLayer(config.SourceOpenStack)
	steps := []struct {
		name  string
		parse func(string, []byte) (*config.Layer, error)
	}{
		{"meta_data.json", ParseOpenStackMetaData},
		{"network_data.json", ParseOpenStackNetworkData},
		{"user_data", cloudinit.DecodeUserData},
	}
	var errs []error
	for _, st := range steps {
		if files[st.name] == nil {
			continue
		}
		part, err := st.parse(config.SourceOpenStack, files[st.name])
		if err != nil {
			errs = append(errs, fileErr(st.name, err))
			continue
		}
		l.Overlay(part)
	}
	return l, errors.Join(errs...)
}

// osMetaData is the part of meta_data.json Outpost reads.
type osMetaData struct {
	UUID     string `json:"uuid"`
	Hostname string `json:"hostname"`
	Name     string `json:"name"`
}

// ParseOpenStackMetaData reads meta_data.json: uuid is the instance id,
// hostname (its first label, as cloud-init sets it) the host name.
func ParseOpenStackMetaData(source string, data []byte) (*config.Layer, error) {
	var md osMetaData
	if err := decodeJSON(source, data, &md); err != nil {
		return nil, err
	}
	host, _, _ := strings.Cut(firstNonEmpty(md.Hostname, md.Name), ".")
	return config.LayerOf(source, config.Config{InstanceID: md.UUID, Hostname: host}), nil
}

// osNetworkData is network_data.json.
type osNetworkData struct {
	Links []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
		MAC  string `json:"ethernet_mac_address"`
		MTU  int    `json:"mtu"`
		Name string `json:"name"`
	} `json:"links"`
	Networks []struct {
		ID        string      `json:"id"`
		Type      string      `json:"type"`
		Link      string      `json:"link"`
		IPAddress string      `json:"ip_address"`
		Netmask   string      `json:"netmask"`
		Routes    []osRoute   `json:"routes"`
		Services  []osService `json:"services"`
	} `json:"networks"`
	Services []osService `json:"services"`
}

type osRoute struct {
	Network string `json:"network"`
	Netmask string `json:"netmask"`
	Gateway string `json:"gateway"`
}

type osService struct {
	Type    string `json:"type"`
	Address string `json:"address"`
}

// physicalLink tells whether a link type is a NIC the node sees (bonds and
// VLANs are not supported).
func physicalLink(typ string) bool {
	switch typ {
	case "phy", "ethernet", "ovs", "bridge", "vif", "tap", "vhostuser", "hw_veb", "hyperv", "dvs", "vrouter", "":
		return true
	}
	return false
}

// ParseOpenStackNetworkData maps network_data.json into the network key:
// each physical link is an interface chosen by MAC; its networks give
// static addresses (ipv4/ipv6), DHCP (ipv4_dhcp, ipv6_dhcp, ipv6_slaac),
// routes (0.0.0.0/0 becomes the gateway) and DNS servers.
func ParseOpenStackNetworkData(source string, data []byte) (*config.Layer, error) {
	var nd osNetworkData
	if err := decodeJSON(source, data, &nd); err != nil {
		return nil, err
	}
	l := config.NewLayer(source)
	n := &l.Config.Network
	index := map[string]int{}
	for _, link := range nd.Links {
		if !physicalLink(link.Type) {
			l.Warnings = append(l.Warnings, config.Warning{Source: source, Path: "network_data.json links." + link.ID, Msg: fmt.Sprintf("link type %q is not supported by Outpost, ignored", link.Type)})
			continue
		}
		index[link.ID] = len(n.Interfaces)
		n.Interfaces = append(n.Interfaces, config.Interface{MAC: strings.ToLower(link.MAC), MTU: link.MTU})
	}
	for _, net := range nd.Networks {
		i, ok := index[net.Link]
		if !ok {
			l.Warnings = append(l.Warnings, config.Warning{Source: source, Path: "network_data.json networks." + net.ID, Msg: fmt.Sprintf("link %q is not a supported link, network ignored", net.Link)})
			continue
		}
		if err := applyOSNetwork(&n.Interfaces[i], net.Type, net.IPAddress, net.Netmask, net.Routes, net.Services); err != nil {
			return nil, config.Errors{{Source: source, Path: "network_data.json networks." + net.ID, Msg: err.Error()}}
		}
	}
	for _, s := range nd.Services {
		if s.Type == "dns" {
			n.Nameservers = appendNew(n.Nameservers, s.Address)
		}
	}
	if !n.IsZero() {
		l.Keys["network"] = 0
	}
	return l, nil
}

func applyOSNetwork(ifc *config.Interface, typ, ip, netmask string, routes []osRoute, services []osService) error {
	switch typ {
	case "ipv4_dhcp", "ipv6_dhcp", "ipv6_slaac", "ipv6_dhcpv6-stateful", "ipv6_dhcpv6-stateless":
		on := true
		ifc.DHCP = &on
		return nil
	case "ipv4", "ipv6":
	default:
		return fmt.Errorf("network type %q is not supported", typ)
	}
	addr, err := cloudinit.WithPrefix(ip, netmask)
	if err != nil {
		return err
	}
	ifc.Addresses = append(ifc.Addresses, addr)
	for _, r := range routes {
		route, err := cloudinit.Route(r.Network, r.Netmask, r.Gateway, 0)
		if err != nil {
			return err
		}
		if route.To == "default" && ifc.Gateway == "" {
			ifc.Gateway = r.Gateway
			continue
		}
		ifc.Routes = append(ifc.Routes, route)
	}
	for _, s := range services {
		if _, err := netip.ParseAddr(s.Address); s.Type == "dns" && err == nil {
			ifc.DNS = appendNew(ifc.DNS, s.Address)
		}
	}
	return nil
}

// decodeJSON decodes a size-capped JSON document, reporting the line of a
// syntax or type error.
func decodeJSON(source string, data []byte, v any) error {
	if len(data) > config.MaxSize {
		return config.Errors{{Source: source, Msg: fmt.Sprintf("%d bytes is over the %d byte limit", len(data), config.MaxSize)}}
	}
	err := json.Unmarshal(data, v)
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		return config.Errors{{Source: source, Line: lineAt(data, syn.Offset), Msg: "invalid JSON: " + syn.Error()}}
	case errors.As(err, &typ):
		return config.Errors{{Source: source, Line: lineAt(data, typ.Offset), Path: typ.Field, Msg: fmt.Sprintf("a JSON %s cannot be a %s", typ.Value, typ.Type)}}
	}
	return config.Errors{{Source: source, Msg: "invalid JSON: " + err.Error()}}
}

func lineAt(data []byte, offset int64) int {
	offset = max(0, min(offset, int64(len(data))))
	return bytes.Count(data[:offset], []byte("\n")) + 1
}

func appendNew(list []string, items ...string) []string {
	for _, it := range items {
		if !slices.Contains(list, it) {
			list = append(list, it)
		}
	}
	return list
}
