package metadata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/config"
)

// Cmdline is what the kernel command line says about the configuration.
type Cmdline struct {
	// Layer holds the outpost.* keys.
	Layer *config.Layer
	// ConfigURL is outpost.config_url=, a file to fetch in the command
	// line's precedence tier.
	ConfigURL string
	// ConfigSHA256 is outpost.config_sha256=, the hex sha256 the file at
	// ConfigURL must have; it makes a plain http URL safe to use.
	ConfigSHA256 string
	// ConfigInsecure is outpost.config_insecure=true: the user accepts a
	// plain http URL with no hash pinned.
	ConfigInsecure bool
	// NoCloud is the ds=nocloud;... seed, nil when not given.
	NoCloud *NoCloudSeed
}

// NoCloudSeed is cloud-init's ds=nocloud;s=URL;h=HOST;i=ID.
type NoCloudSeed struct {
	URL        string
	Hostname   string
	InstanceID string
}

// maxCmdline caps what is read from /proc/cmdline.
const maxCmdline = 64 << 10

// ParseCmdline reads the kernel command line text. Parameters after "--"
// belong to init and are ignored; values may be double-quoted.
func ParseCmdline(text string) *Cmdline {
	c := &Cmdline{Layer: config.NewLayer(config.SourceCmdline)}
	for _, param := range bootparam.Split(text) {
		key, value, hasValue := strings.Cut(param, "=")
		switch {
		case key == "ds":
			c.NoCloud = parseDS(value)
		case strings.HasPrefix(key, "outpost."):
			c.set(strings.TrimPrefix(key, "outpost."), value, hasValue)
		}
	}
	return c
}

func (c *Cmdline) set(key, value string, hasValue bool) {
	l := c.Layer
	warn := func(msg string) {
		l.Warnings = append(l.Warnings, config.Warning{Source: config.SourceCmdline, Path: "outpost." + key, Msg: msg})
	}
	if slices.Contains(bootparam.Keys(), "outpost."+key) {
		return // PID 1's own boot parameters
	}
	if !hasValue {
		warn("has no value; write outpost." + key + "=VALUE")
		return
	}
	cfg := &l.Config
	switch key {
	case "role":
		cfg.Role = config.Role(value)
	case "server":
		cfg.Server = value
	case "token":
		cfg.Token = value
		warn("the join token on the kernel command line is readable by every container through /proc/cmdline; use outpost.token_file or a metadata source outside labs")
	case "token_file":
		cfg.TokenFile = value
	case "hostname":
		cfg.Hostname = value
	case "node_ip":
		cfg.NodeIP = value
	case "config_url":
		c.ConfigURL = value
		return
	case "config_sha256":
		c.ConfigSHA256 = strings.ToLower(value)
		return
	case "config_insecure":
		c.ConfigInsecure = value == "1" || value == "true" || value == "yes"
		return
	default:
		warn("unknown kernel command line key, ignored (known: role, server, token, token_file, hostname, node_ip, config_url, config_sha256, config_insecure)")
		return
	}
	l.Keys[key] = 0
}

// parseDS reads "nocloud;s=URL;h=HOST;i=ID" (also nocloud-net, and the
// long names seedfrom, local-hostname, instance-id).
func parseDS(value string) *NoCloudSeed {
	parts := strings.Split(value, ";")
	if name := strings.ToLower(parts[0]); name != "nocloud" && name != "nocloud-net" {
		return nil
	}
	seed := &NoCloudSeed{}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		switch k {
		case "s", "seedfrom":
			seed.URL = v
		case "h", "local-hostname":
			seed.Hostname = v
		case "i", "instance-id":
			seed.InstanceID = v
		}
	}
	return seed
}

// readCmdline reads and parses the file; a missing file is an error since
// every Linux has /proc/cmdline.
func readCmdline(path string) (*Cmdline, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read kernel command line: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxCmdline))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return ParseCmdline(string(data)), nil
}

// CmdlineSource is the outpost.* keys of the kernel command line.
type CmdlineSource struct {
	Path string // /proc/cmdline
}

// Name implements Source.
func (s *CmdlineSource) Name() string { return config.SourceCmdline }

// Fetch implements Source.
func (s *CmdlineSource) Fetch(context.Context) (*config.Layer, error) {
	c, err := readCmdline(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return c.Layer, nil
}
