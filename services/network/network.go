// Package network brings up the node's network from config.Network: links
// up with a carrier, DHCPv4 leases kept alive by renewal, static addresses,
// routes and MTU, /etc/resolv.conf, and the node's primary IPv4 address,
// which PID 1 hands to the role process as the node IP.
//
// Everything goes through one netlink handle for one network namespace, so
// tests run the real code inside namespaces they create.
package network

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"

	"github.com/outpost-os/outpost/services/config"
)

// Defaults used when the matching Options field is zero.
const (
	DefaultResolvConfPath = "/etc/resolv.conf"
	DefaultDHCPTimeout    = 30 * time.Second
)

// Options tunes Up. The zero value configures the caller's namespace and
// writes /etc/resolv.conf.
type Options struct {
	// NetnsPath names the network namespace to configure, e.g.
	// /run/netns/NAME or /proc/PID/ns/net. Empty means the namespace of
	// the calling process (the host's, for PID 1).
	NetnsPath string
	// ResolvConfPath is where the resolver configuration is written.
	ResolvConfPath string
	// DHCPTimeout bounds how long Up waits for an interface to appear,
	// get a carrier and a first DHCP lease. DHCP keeps trying afterwards.
	DHCPTimeout time.Duration
	// Hostname, when set, is sent to the DHCP server (option 12).
	Hostname string
	// ReleaseOnStop releases DHCP leases and removes their addresses when
	// ctx ends. By default addresses stay until their lease runs out, so
	// the node keeps its network while it shuts down or PID 1 restarts.
	ReleaseOnStop bool
	// Logger receives progress and lease events; nil means slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ResolvConfPath == "" {
		o.ResolvConfPath = DefaultResolvConfPath
	}
	if o.DHCPTimeout <= 0 {
		o.DHCPTimeout = DefaultDHCPTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// ErrConfig marks errors caused by an invalid network configuration.
var ErrConfig = errors.New("invalid network configuration")

// Up configures the network and keeps DHCP leases renewed until ctx ends.
//
// An invalid configuration returns an error wrapping ErrConfig and a nil
// State; nothing is changed. Otherwise Up always returns a running State,
// together with an error naming each interface that could not be
// configured within Options.DHCPTimeout: DHCP goes on trying for those in
// the background. Cancel ctx to stop; State.Done is closed once every
// background goroutine has finished.
func Up(ctx context.Context, cfg config.Network, opts Options) (*State, error) {
	opts = opts.withDefaults()
	p, err := parseConfig(cfg)
	if err != nil {
		return nil, err
	}
	ns, h, err := open(opts.NetnsPath)
	if err != nil {
		return nil, err
	}
	s := newState(ns, h, p, opts)
	if err := loopbackUp(h); err != nil {
		s.close()
		return nil, err
	}
	return s, s.start(ctx)
}

// open returns the namespace at path (none for "") and a netlink handle
// in it.
func open(path string) (netns.NsHandle, *netlink.Handle, error) {
	if path == "" {
		h, err := netlink.NewHandle()
		if err != nil {
			return netns.None(), nil, fmt.Errorf("open netlink: %w", err)
		}
		return netns.None(), h, nil
	}
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return netns.None(), nil, fmt.Errorf("open network namespace %s: %w", path, err)
	}
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		ns.Close()
		return netns.None(), nil, fmt.Errorf("open netlink in network namespace %s: %w", path, err)
	}
	return ns, h, nil
}
