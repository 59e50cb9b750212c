package cloudinit

import (
	"fmt"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/outpost-os/outpost/services/config"
)

// cloudInitKey tells whether key is a cloud-config key Outpost knows but
// does not act on; those are warned about as unsupported rather than unknown.
func cloudInitKey(key string) bool {
	switch key {
	case "users", "groups", "ssh_authorized_keys", "ssh_pwauth", "chpasswd",
		"packages", "package_update", "package_upgrade", "runcmd", "bootcmd",
		"apt", "yum_repos", "mounts", "disk_setup", "fs_setup",
		"timezone", "locale", "manage_etc_hosts", "power_state", "final_message",
		"growpart", "resize_rootfs", "ssh_keys", "password", "snap":
		return true
	}
	return false
}

// ParseCloudConfig reads a #cloud-config document: its outpost: section
// (the config.yaml keys) and the cloud-init keys users expect to work:
// hostname, fqdn (with prefer_fqdn_over_hostname), write_files and ntp
// (servers and pools). The outpost: section wins over those. Other keys are
// warned about and ignored. Line numbers are those of data.
func ParseCloudConfig(source string, data []byte) (*config.Layer, error) {
	if len(data) > config.MaxSize {
		return nil, config.Errors{{Source: source, Msg: fmt.Sprintf("%d bytes is over the %d byte limit", len(data), config.MaxSize)}}
	}
	root, err := config.ParseYAML(source, data)
	if err != nil || root == nil {
		return config.NewLayer(source), err
	}
	if root.Kind != yaml.MappingNode {
		return nil, config.Errors{{Source: source, Line: root.Line, Msg: "#cloud-config must be a YAML mapping of keys to values"}}
	}
	base, outpost, errs := cloudInitLayer(source, root)
	if len(errs) > 0 {
		return nil, errs
	}
	if outpost != nil {
		l, err := config.ParseNode(source, outpost)
		if err != nil {
			return nil, err
		}
		prefixPaths(l, "outpost.")
		base.Overlay(l)
	}
	return base, nil
}

// cloudInitLayer maps the top-level cloud-init keys, and returns the
// outpost: node for the caller to parse.
func cloudInitLayer(source string, root *yaml.Node) (*config.Layer, *yaml.Node, config.Errors) {
	// The keys that map one to one go through config.ParseNode on a
	// mapping that holds only them, which gives types and line numbers.
	direct := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
	var outpost *yaml.Node
	var hostname, fqdn *yaml.Node
	preferFQDN := false
	ntp := &yaml.Node{}
	l := config.NewLayer(source)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "outpost":
			outpost = v
		case "hostname":
			hostname = v
		case "fqdn":
			fqdn = v
		case "prefer_fqdn_over_hostname":
			preferFQDN = v.Value == "true"
		case "write_files":
			direct.Content = append(direct.Content, k, v)
		case "ntp":
			ntp = v
		case "merge_how", "merge_type":
		default:
			msg := "unknown cloud-config key, ignored"
			if cloudInitKey(k.Value) {
				msg = "cloud-init key not supported by Outpost, ignored"
			}
			l.Warnings = append(l.Warnings, config.Warning{Source: source, Line: k.Line, Path: k.Value, Msg: msg})
		}
	}
	var errs config.Errors
	if len(direct.Content) > 0 {
		dl, err := config.ParseNode(source, direct)
		if err != nil {
			errs = append(errs, asErrors(source, err)...)
		} else {
			l.Overlay(dl)
		}
	}
	if err := applyHostname(l, hostname, fqdn, preferFQDN); err != nil {
		errs = append(errs, *err)
	}
	if err := applyNTP(l, ntp); err != nil {
		errs = append(errs, *err)
	}
	return l, outpost, errs
}

func applyHostname(l *config.Layer, hostname, fqdn *yaml.Node, preferFQDN bool) *config.FieldError {
	pick := hostname
	if fqdn != nil && (hostname == nil || preferFQDN) {
		pick = fqdn
	}
	if pick == nil {
		return nil
	}
	if pick.Kind != yaml.ScalarNode {
		return &config.FieldError{Source: l.Source, Line: pick.Line, Path: "hostname", Msg: "must be a string"}
	}
	name := pick.Value
	if pick == fqdn && !preferFQDN {
		name, _, _ = strings.Cut(name, ".")
	}
	l.Config.Hostname = name
	l.Keys["hostname"] = pick.Line
	l.Lines["hostname"] = pick.Line
	return nil
}

// cloudNTP is cloud-init's ntp: module.
type cloudNTP struct {
	Enabled *bool    `yaml:"enabled"`
	Servers []string `yaml:"servers"`
	Pools   []string `yaml:"pools"`
}

func applyNTP(l *config.Layer, n *yaml.Node) *config.FieldError {
	if n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil
	}
	var ntp cloudNTP
	if err := n.Decode(&ntp); err != nil {
		e := asErrors(l.Source, err)[0]
		e.Path = "ntp"
		e.Msg = "must be a mapping with servers and pools lists: " + e.Msg
		return &e
	}
	if ntp.Enabled != nil && !*ntp.Enabled {
		return nil
	}
	servers := append(append([]string{}, ntp.Servers...), ntp.Pools...)
	if len(servers) == 0 {
		return nil
	}
	l.Config.NTP.Servers = servers
	l.Keys["ntp"] = n.Line
	l.Lines["ntp"] = n.Line
	return nil
}

// prefixPaths makes the paths of the outpost: section read as they appear
// in the file ("outpost.role"); merge keys stay as they are.
func prefixPaths(l *config.Layer, prefix string) {
	for i := range l.Warnings {
		l.Warnings[i].Path = prefix + l.Warnings[i].Path
	}
}

func asErrors(source string, err error) config.Errors {
	if es, ok := err.(config.Errors); ok {
		return es
	}
	return config.YAMLErrors(source, err)
}
