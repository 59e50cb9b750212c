package network

import (
	"context"
	"errors"
	"fmt"
)

// start launches one goroutine per interface and waits, at most
// Options.DHCPTimeout, for each to be configured.
func (s *State) start(ctx context.Context) error {
	links := s.plan.links
	if s.plan.auto {
		var err error
		if links, err = autoLinks(s.h); err != nil {
			return err
		}
	}
	firsts := make([]chan error, len(links))
	states := make([]*linkState, len(links))
	for i, lp := range links {
		firsts[i] = make(chan error, 1)
		states[i] = s.addLink(lp)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			err := recovered("interface "+lp.where, func() error {
				s.runLink(ctx, states[i], firsts[i])
				return nil
			})
			if err != nil {
				s.log.Error("network: interface given up", "err", err)
				select {
				case firsts[i] <- err:
				default:
				}
			}
		}()
	}
	err := s.waitFirst(ctx, states, firsts)
	if rerr := s.refresh(); rerr != nil {
		err = errors.Join(err, rerr)
	}
	go func() {
		s.wg.Wait()
		s.close()
		close(s.done)
	}()
	return err
}

// waitFirst collects each link's first outcome. With an empty
// configuration, links that were not configured in time are only an error
// when no link was.
func (s *State) waitFirst(ctx context.Context, states []*linkState, firsts []chan error) error {
	wctx, cancel := context.WithTimeout(ctx, s.opts.DHCPTimeout)
	defer cancel()
	var errs []error
	ok := 0
	for i, ls := range states {
		select {
		case err := <-firsts[i]:
			if err != nil {
				errs = append(errs, err)
				continue
			}
			ok++
		case <-wctx.Done():
			errs = append(errs, fmt.Errorf("interface %s not configured after %s (%s); still trying in the background",
				ls.name, s.opts.DHCPTimeout, s.status(ls)))
		}
	}
	if s.plan.auto {
		if len(states) == 0 {
			return fmt.Errorf("no wired interface found for DHCP; list interfaces under network.interfaces")
		}
		if ok > 0 {
			for _, err := range errs {
				s.log.Warn("network: automatic DHCP", "err", err)
			}
			return nil
		}
	}
	return errors.Join(errs...)
}

// runLink finds, raises and configures one interface, then keeps its
// DHCP lease until ctx ends. first receives the first outcome.
func (s *State) runLink(ctx context.Context, ls *linkState, first chan<- error) {
	lp := ls.plan
	l, err := findLink(ctx, s.h, lp)
	if err != nil {
		first <- err
		return
	}
	s.mu.Lock()
	ls.name, ls.index = l.Attrs().Name, l.Attrs().Index
	s.mu.Unlock()
	if err := setUp(s.h, l); err != nil {
		first <- err
		return
	}
	if err := applyStatic(s.h, l, lp); err != nil {
		s.setStatus(ls, err.Error())
		first <- fmt.Errorf("%s: %w", lp.where, err)
		return
	}
	if !lp.dhcp {
		s.setStatus(ls, "configured")
		first <- nil
		return
	}
	d := &dhcpLink{s: s, ls: ls, link: l, first: first}
	d.run(ctx)
}
