package network

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
	"github.com/vishvananda/netlink"
)

// Timing of the DHCP exchanges.
const (
	sendTimeout    = 2 * time.Second  // first wait for an answer; doubled on each retry
	sendTries      = 3                // 2 s + 4 s + 8 s per attempt
	attemptTimeout = 15 * time.Second // one DISCOVER..ACK exchange
	maxBackoff     = 60 * time.Second // between failed attempts
	minRetry       = 2 * time.Second  // between renewal attempts
)

// dhcpLink keeps one interface's lease.
type dhcpLink struct {
	s     *State
	ls    *linkState
	link  netlink.Link
	first chan<- error // receives the first lease's outcome, then is set to nil
	lease *Lease       // in effect on the link
}

// errLost says the lease ended (NAK or expiry) and DHCP starts over.
var errLost = errors.New("lease lost")

func (d *dhcpLink) name() string { return d.link.Attrs().Name }

// run acquires a lease and keeps it, starting over when it is lost,
// until ctx ends. Failures are not reported to Up, which gives up waiting
// after its own bound and shows the link's status instead: a later
// attempt may still succeed within that bound.
func (d *dhcpLink) run(ctx context.Context) {
	backoff := time.Second
	for ctx.Err() == nil {
		err := recovered("DHCP on "+d.name(), func() error { return d.session(ctx) })
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errLost) {
			backoff = time.Second
			continue
		}
		d.s.log.Warn("network: DHCP", "interface", d.name(), "err", err, "retry_in", backoff)
		if sleep(ctx, backoff) != nil {
			return
		}
		backoff = min(backoff*2, maxBackoff)
	}
}

// reportLease tells Up that the first lease is in effect.
func (d *dhcpLink) reportLease() {
	if d.first != nil {
		d.first <- nil
		d.first = nil
	}
}

// session waits for a carrier, opens a DHCP client on the link, gets a
// lease and keeps it until it is lost or ctx ends.
func (d *dhcpLink) session(ctx context.Context) error {
	d.s.setStatus(d.ls, "waiting for a carrier")
	if err := waitCarrier(ctx, d.s.h, d.link); err != nil {
		return err
	}
	d.s.setStatus(d.ls, "waiting for a DHCP offer")
	c, err := d.client()
	if err != nil {
		return err
	}
	defer c.Close()
	nl, err := d.acquire(ctx, c)
	if err != nil {
		d.s.setStatus(d.ls, err.Error())
		return err
	}
	d.reportLease()
	return d.keep(ctx, c, nl)
}

// client opens a DHCP client whose raw socket lives in the link's
// namespace.
func (d *dhcpLink) client() (*nclient4.Client, error) {
	var c *nclient4.Client
	err := inNetns(d.s.ns, func() error {
		var err error
		c, err = nclient4.New(d.name(), nclient4.WithTimeout(sendTimeout), nclient4.WithRetry(sendTries))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("open DHCP client on %s: %w", d.name(), err)
	}
	return c, nil
}

// modifiers ask for the options Outpost uses and send the hostname.
func (d *dhcpLink) modifiers() []dhcpv4.Modifier {
	m := []dhcpv4.Modifier{dhcpv4.WithRequestedOptions(
		dhcpv4.OptionSubnetMask, dhcpv4.OptionRouter, dhcpv4.OptionDomainNameServer,
		dhcpv4.OptionDomainName, dhcpv4.OptionDNSDomainSearchList, dhcpv4.OptionInterfaceMTU,
		dhcpv4.OptionHostName, dhcpv4.OptionIPAddressLeaseTime,
		dhcpv4.OptionRenewTimeValue, dhcpv4.OptionRebindingTimeValue,
	)}
	if h := d.s.opts.Hostname; h != "" {
		m = append(m, dhcpv4.WithOption(dhcpv4.OptHostName(h)))
	}
	return m
}

// acquire runs one DISCOVER, OFFER, REQUEST, ACK exchange and puts the
// lease into effect.
func (d *dhcpLink) acquire(ctx context.Context, c *nclient4.Client) (*nclient4.Lease, error) {
	actx, cancel := context.WithTimeout(ctx, attemptTimeout)
	defer cancel()
	nl, err := c.Request(actx, d.modifiers()...)
	if err != nil {
		return nil, fmt.Errorf("no DHCP lease on %s: %w", d.name(), err)
	}
	if err := d.apply(nl); err != nil {
		return nil, err
	}
	return nl, nil
}

// apply checks an ACK and puts its lease into effect.
func (d *dhcpLink) apply(nl *nclient4.Lease) error {
	lease, err := leaseFromACK(nl.ACK, nl.CreationTime)
	if err != nil {
		return fmt.Errorf("DHCP server %s on %s: %w", nl.ACK.ServerIPAddr, d.name(), err)
	}
	if err := applyLease(d.s.h, d.link, d.ls.plan, d.lease, lease); err != nil {
		return err
	}
	if d.lease == nil || d.lease.Address != lease.Address {
		d.s.log.Info("network: DHCP lease", "interface", d.name(), "address", lease.Address,
			"router", lease.Router, "dns", lease.DNS, "lease", lease.Duration)
	}
	d.lease = &lease
	d.s.setLease(d.ls, &lease, "DHCP "+lease.Address.String())
	return nil
}

// drop takes the lease's address away after a NAK, expiry or release.
func (d *dhcpLink) drop(why string) {
	if d.lease == nil {
		return
	}
	if err := removeLease(d.s.h, d.link, *d.lease); err != nil {
		d.s.log.Error("network: DHCP", "interface", d.name(), "err", err)
	}
	d.s.log.Warn("network: DHCP lease dropped", "interface", d.name(), "address", d.lease.Address, "why", why)
	d.lease = nil
	d.s.setLease(d.ls, nil, "lease "+why)
}
