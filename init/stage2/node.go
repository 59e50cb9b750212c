package stage2

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/outpost-os/outpost/init/phase"
	"github.com/outpost-os/outpost/services/clock"
	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/metadata"
	"github.com/outpost-os/outpost/services/network"
	"github.com/outpost-os/outpost/services/volume"
)

// node is what stage 2 learns about this node from metadata and the network.
type node struct {
	cfg   *config.Effective
	maint error // why the node is in maintenance mode, nil when configured
	net   *network.State
}

// metadataPhase reads every source that needs no network. Missing or bad
// metadata never fails the boot: it puts the node in maintenance mode.
func (s *init2) metadataPhase(ctx context.Context) error {
	// Best effort: a kernel with these built in, or without them, is fine.
	s.loadModules(append([]string{metadata.FwCfgModule}, volume.Modules()...))
	s.loadMetadata(ctx, true)
	return nil
}

// metadataOnlinePhase reads the network sources (seed URL, config URL,
// IMDS) when the local ones gave no usable configuration.
func (s *init2) metadataOnlinePhase(ctx context.Context) error {
	s.loadMetadata(ctx, false)
	return nil
}

func (s *init2) loadMetadata(ctx context.Context, offline bool) {
	res, err := metadata.Load(ctx, metadata.Options{Offline: offline, Logger: s.log})
	if res != nil {
		s.node.cfg = res.Config // Load has logged its warnings
	}
	s.node.maint = err
}

// networkPhase brings the network up from the configuration, or with DHCP
// everywhere when there is none or it is invalid.
func (s *init2) networkPhase(ctx context.Context) error {
	var cfg config.Network
	hostname := ""
	if s.node.cfg != nil {
		c := s.node.cfg.Config
		hostname = c.Hostname
		if len(c.Network.Validate()) == 0 {
			cfg = c.Network
		}
	}
	s.endNetwork()
	s.node.net = nil
	nctx, stop := context.WithCancel(ctx)
	s.stopNetwork = stop
	// A network brought up in maintenance mode (DHCP everywhere) gives
	// its leases and addresses back when a late configuration replaces it,
	// so a link that becomes static does not keep its DHCP address too.
	opts := network.Options{Hostname: hostname, Logger: s.log, ReleaseOnStop: s.node.maint != nil}
	st, err := network.Up(nctx, cfg, opts)
	if st != nil {
		s.node.net = st
		s.reportNetwork()
	}
	return err
}

// networkStopTimeout bounds the wait for the last network phase's DHCP
// clients to stop.
const networkStopTimeout = 10 * time.Second

// endNetwork stops what an earlier network phase started and waits for it.
func (s *init2) endNetwork() {
	if s.stopNetwork == nil {
		return
	}
	s.stopNetwork()
	if s.node.net != nil {
		select {
		case <-s.node.net.Done():
		case <-time.After(networkStopTimeout):
			fmt.Fprintf(s.console, "outpost: network: the earlier DHCP clients still run after %s\n", networkStopTimeout)
		}
	}
}

func (s *init2) reportNetwork() {
	for _, iface := range s.node.net.Interfaces() {
		var addrs []string
		for _, a := range iface.Addresses {
			addrs = append(addrs, a.String())
		}
		how := "static"
		if iface.Lease != nil {
			how = "dhcp"
		}
		fmt.Fprintf(s.console, "outpost: network %s %s (%s) %s\n", iface.Name, strings.Join(addrs, ","), how, iface.Status)
	}
	if ip := s.node.net.PrimaryIP(); ip.IsValid() {
		fmt.Fprintf(s.console, "outpost: node ip %s\n", ip)
	}
}

// configPhase applies a usable configuration (hostname, modules, sysctls,
// write_files) and saves it to /etc/outpost/config.yaml; otherwise it
// announces maintenance mode.
func (s *init2) configPhase(ctx context.Context) error {
	if s.node.maint != nil {
		s.announceMaintenance(s.node.maint)
		return nil
	}
	return s.applyConfig()
}

func (s *init2) announceMaintenance(err error) {
	fmt.Fprintln(s.console, "outpost: MAINTENANCE MODE: no usable configuration; the network stays up and outpost waits for valid metadata or "+config.StatePath)
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintf(s.console, "outpost: maintenance: %s\n", line)
	}
}

// clockPhase sets the clock from the configured NTP servers, bounded.
func (s *init2) clockPhase(ctx context.Context) error {
	servers := s.ntpServers()
	if len(servers) == 0 {
		if err := clock.CheckPlausible(time.Now(), clock.Floor()); err != nil {
			return fmt.Errorf("%w; no NTP servers configured (ntp.servers)", err)
		}
		return nil
	}
	res, err := clock.Sync(ctx, servers, clock.Options{SetClock: true, Logger: s.log})
	if err != nil {
		return err
	}
	fmt.Fprintf(s.console, "outpost: clock set from %s (offset %s)\n", res.Server, res.Offset.Round(time.Millisecond))
	return nil
}

func (s *init2) ntpServers() []string {
	if s.node.cfg == nil {
		return nil
	}
	return s.node.cfg.Config.NTP.Servers
}

// waitForConfig runs in maintenance mode: it polls the metadata sources
// until one gives a usable configuration, then runs the boot phases again
// from the network phase, so the new configuration's network, clock and
// role are applied as at a boot that had it from the start.
func (s *init2) waitForConfig(ctx context.Context) {
	const interval = 10 * time.Second
	select { // the boot has just looked at every source
	case <-time.After(interval):
	case <-ctx.Done():
		return
	}
	res, err := metadata.Poll(ctx, metadata.Options{Logger: s.log}, interval, func(_ *metadata.Result, err error) {
		s.log.Debug("still no usable configuration", "err", err)
	})
	if err != nil {
		return
	}
	s.node.cfg, s.node.maint = res.Config, nil
	fmt.Fprintln(s.console, "outpost: configuration found; leaving maintenance mode")
	r := phase.Runner{Out: s.console}
	if _, err := r.Run(ctx, s.phasesFrom(rerunFrom)); err != nil {
		fmt.Fprintf(s.console, "outpost: boot failed: %v\n", err)
		return
	}
	fmt.Fprintln(s.console, "outpost: ready: configured after maintenance mode")
}

// newLogger logs warnings and errors of the services PID 1 runs in
// process (metadata, network, clock) on the console, without timestamps
// (the console has the kernel's).
func newLogger(console io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: slog.LevelWarn, ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if len(groups) == 0 && a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}}
	return slog.New(slog.NewTextHandler(linePrefixer{w: console}, opts))
}

// linePrefixer puts "outpost: " before each log line.
type linePrefixer struct{ w io.Writer }

func (p linePrefixer) Write(b []byte) (int, error) {
	if _, err := p.w.Write(append([]byte("outpost: "), b...)); err != nil {
		return 0, err
	}
	return len(b), nil
}
