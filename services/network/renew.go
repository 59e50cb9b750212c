package network

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/insomniacslk/dhcp/dhcpv4"
	"github.com/insomniacslk/dhcp/dhcpv4/nclient4"
)

// step is what happens next to a lease (RFC 2131 section 4.4.5).
type step int

const (
	stepRenew  step = iota // ask the server that gave the lease, from T1
	stepRebind             // ask any server, from T2
	stepExpire             // stop using the address
)

// schedule says what to do next with lease, when, and until when that
// step may take. lastFail is when the last attempt of this kind failed
// (zero if none): retries wait half the time left, at least minRetry.
func schedule(l Lease, now, lastFail time.Time) (s step, at, end time.Time) {
	t1, t2 := l.Acquired.Add(l.T1), l.Acquired.Add(l.T2)
	exp := l.Acquired.Add(l.Duration)
	switch {
	case !now.Before(exp):
		return stepExpire, now, now
	case now.Before(t1):
		return stepRenew, t1, t2
	case now.Before(t2):
		s, at, end = stepRenew, t1, t2
	default:
		s, at, end = stepRebind, t2, exp
	}
	if lastFail.Before(at) {
		return s, now, end
	}
	wait := max(end.Sub(lastFail)/2, minRetry)
	if next := lastFail.Add(wait); next.Before(end) {
		return s, next, end
	}
	return s, end, end
}

// keep renews and rebinds the lease in effect until it is lost (errLost)
// or ctx ends.
func (d *dhcpLink) keep(ctx context.Context, c *nclient4.Client, nl *nclient4.Lease) error {
	var lastFail time.Time
	for {
		if d.lease.infinite() {
			<-ctx.Done()
			return d.stop(nl)
		}
		st, at, end := schedule(*d.lease, time.Now(), lastFail)
		if sleep(ctx, time.Until(at)) != nil {
			return d.stop(nl)
		}
		if st == stepExpire {
			d.drop("expired")
			return errLost
		}
		next, err := d.extend(ctx, c, nl, st == stepRebind, end)
		if err == nil {
			err = d.apply(next)
		}
		var nak *nclient4.ErrNak
		switch {
		case errors.As(err, &nak):
			d.drop("refused by the DHCP server (NAK)")
			return errLost
		case err != nil && ctx.Err() != nil:
			return d.stop(nl)
		case err != nil:
			d.s.log.Warn("network: DHCP renewal failed", "interface", d.name(), "err", err)
			lastFail = time.Now()
		default:
			nl, lastFail = next, time.Time{}
		}
	}
}

// extend renews (from the lease's server) or rebinds (from any server)
// the lease, giving up at end.
func (d *dhcpLink) extend(ctx context.Context, c *nclient4.Client, nl *nclient4.Lease, rebind bool, end time.Time) (*nclient4.Lease, error) {
	actx, cancel := context.WithDeadline(ctx, minTime(end, time.Now().Add(attemptTimeout)))
	defer cancel()
	if !rebind {
		next, err := c.Renew(actx, nl, d.modifiers()...)
		if err != nil {
			return nil, fmt.Errorf("renew lease on %s: %w", d.name(), err)
		}
		return next, nil
	}
	req, err := dhcpv4.NewRenewFromAck(nl.ACK, d.modifiers()...)
	if err != nil {
		return nil, fmt.Errorf("build rebind request on %s: %w", d.name(), err)
	}
	ack, err := c.SendAndRead(actx, c.RemoteAddr(), req, nclient4.IsMessageType(dhcpv4.MessageTypeAck, dhcpv4.MessageTypeNak))
	if err != nil {
		return nil, fmt.Errorf("rebind lease on %s: %w", d.name(), err)
	}
	if ack.MessageType() == dhcpv4.MessageTypeNak {
		return nil, &nclient4.ErrNak{Offer: nl.Offer, Nak: ack}
	}
	// The answering server may be another one: renew from it from now on.
	return &nclient4.Lease{Offer: ack, ACK: ack, CreationTime: time.Now()}, nil
}

// stop ends the session when ctx ended, releasing the lease if asked to.
func (d *dhcpLink) stop(nl *nclient4.Lease) error {
	if d.s.opts.ReleaseOnStop {
		if err := d.release(nl); err != nil {
			d.s.log.Warn("network: DHCP release", "interface", d.name(), "err", err)
		}
		d.drop("released")
	}
	return context.Canceled
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// release tells the server the lease is given back. It goes by unicast
// from the leased address (RFC 2131 section 4.4.4): a packet from 0.0.0.0
// to a unicast address is dropped as martian by Linux servers.
func (d *dhcpLink) release(nl *nclient4.Lease) error {
	msg, err := dhcpv4.NewReleaseFromACK(nl.ACK)
	if err != nil {
		return fmt.Errorf("build DHCP release on %s: %w", d.name(), err)
	}
	local := &net.UDPAddr{IP: nl.ACK.YourIPAddr, Port: dhcpv4.ClientPort}
	server := &net.UDPAddr{IP: nl.ACK.ServerIdentifier(), Port: dhcpv4.ServerPort}
	var conn *net.UDPConn
	err = inNetns(d.s.ns, func() error {
		var err error
		conn, err = net.DialUDP("udp4", local, server)
		return err
	})
	if err != nil {
		return fmt.Errorf("send DHCP release from %s to %s: %w", local, server, err)
	}
	defer conn.Close()
	if _, err := conn.Write(msg.ToBytes()); err != nil {
		return fmt.Errorf("send DHCP release from %s to %s: %w", local, server, err)
	}
	return nil
}
