package network

import (
	"bytes"
	"log/slog"
	"net/netip"
	"slices"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// State is the running network configuration. Its methods are safe for
// concurrent use.
type State struct {
	ns   netns.NsHandle // netns.None() for the caller's namespace
	h    *netlink.Handle
	plan plan
	opts Options
	log  *slog.Logger

	wg      sync.WaitGroup
	done    chan struct{}
	changed chan struct{}

	mu      sync.Mutex
	links   []*linkState
	primary netip.Addr
	resolv  []byte // last written resolv.conf
}

// Interface describes one configured interface.
type Interface struct {
	Name      string
	Addresses []netip.Prefix // static addresses, then the DHCP address
	Lease     *Lease         // nil without a current DHCP lease
	Status    string         // what the interface is doing, for the console
}

type linkState struct {
	plan   linkPlan
	name   string
	index  int
	lease  *Lease
	status string
}

func newState(ns netns.NsHandle, h *netlink.Handle, p plan, opts Options) *State {
	return &State{
		ns:      ns,
		h:       h,
		plan:    p,
		opts:    opts,
		log:     opts.Logger,
		done:    make(chan struct{}),
		changed: make(chan struct{}, 1),
	}
}

// PrimaryIP is the node's IPv4 address on the interface of the default
// route with the lowest metric; without a default route, the first IPv4
// address of a configured interface. Invalid when there is none.
func (s *State) PrimaryIP() netip.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.primary
}

// Interfaces lists the configured interfaces in configuration order.
func (s *State) Interfaces() []Interface {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Interface
	for _, ls := range s.links {
		out = append(out, ls.describe())
	}
	return out
}

// DNS returns the nameservers and search domains written to resolv.conf,
// before the resolver's limits are applied.
func (s *State) DNS() (servers []netip.Addr, search []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dnsLocked()
}

// Changed receives a value after a lease was gained, renewed, changed or
// lost. Changes that happen before the last one was received are merged.
func (s *State) Changed() <-chan struct{} {
	return s.changed
}

// Done is closed when every background goroutine has stopped after the
// context given to Up ended.
func (s *State) Done() <-chan struct{} {
	return s.done
}

// close releases the netlink handle and the namespace. Any later use of
// the handle would silently act on the caller's namespace, so it runs only
// once every goroutine using them has stopped.
func (s *State) close() {
	s.h.Close()
	if s.ns.IsOpen() {
		s.ns.Close()
	}
}

func (ls *linkState) describe() Interface {
	ifc := Interface{Name: ls.name, Addresses: slices.Clone(ls.plan.addrs), Status: ls.status}
	if ls.lease != nil {
		l := *ls.lease
		l.DNS = slices.Clone(l.DNS)
		l.Search = slices.Clone(l.Search)
		ifc.Lease = &l
		ifc.Addresses = append(ifc.Addresses, l.Address)
	}
	return ifc
}

func (s *State) dnsLocked() ([]netip.Addr, []string) {
	servers := slices.Clone(s.plan.dns)
	search := slices.Clone(s.plan.search)
	for _, ls := range s.links {
		servers = append(servers, ls.plan.dns...)
	}
	for _, ls := range s.links {
		if ls.lease != nil {
			servers = append(servers, ls.lease.DNS...)
			search = append(search, ls.lease.Search...)
		}
	}
	return dedupe(servers), dedupe(search)
}

func dedupe[T comparable](in []T) []T {
	seen := map[T]bool{}
	var out []T
	for _, v := range in {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func (s *State) addLink(lp linkPlan) *linkState {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls := &linkState{plan: lp, name: lp.label(), status: "waiting for the interface to appear"}
	s.links = append(s.links, ls)
	return ls
}

func (s *State) setStatus(ls *linkState, status string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ls.status = status
}

func (s *State) status(ls *linkState) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ls.status
}

// setLease records a new, renewed or lost (nil) lease and brings
// resolv.conf and the primary address up to date.
func (s *State) setLease(ls *linkState, l *Lease, status string) {
	s.mu.Lock()
	ls.lease = l
	ls.status = status
	s.mu.Unlock()
	if err := s.refresh(); err != nil {
		s.log.Error("network: update", "err", err)
	}
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// refresh writes resolv.conf when its content changed and finds the
// primary address again.
func (s *State) refresh() error {
	primary := primaryIP(s.h, s.configuredIndexes())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.primary = primary
	servers, search := s.dnsLocked()
	data := renderResolvConf(servers, search)
	if bytes.Equal(data, s.resolv) {
		return nil
	}
	if err := writeResolvConf(s.opts.ResolvConfPath, data); err != nil {
		return err
	}
	s.resolv = data
	return nil
}

func (s *State) configuredIndexes() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []int
	for _, ls := range s.links {
		if ls.index > 0 {
			out = append(out, ls.index)
		}
	}
	return out
}
