package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pollInterval is how often link state is read while waiting for it.
const pollInterval = 100 * time.Millisecond

// autoLink tells whether an empty configuration runs DHCP on link: wired
// (ethernet) physical devices, and veth links not named by a container
// runtime (a container's eth0 is a veth).
func autoLink(l netlink.Link) bool {
	a := l.Attrs()
	if a.EncapType != "ether" || a.Flags&net.FlagLoopback != 0 {
		return false
	}
	if t := l.Type(); t != "device" && t != "veth" {
		return false
	}
	return !createdBySoftware(a.Name)
}

// createdBySoftware tells whether name is one Kubernetes, container
// runtimes or tunnels give the links they create.
func createdBySoftware(name string) bool {
	for _, p := range []string{"veth", "cni", "flannel", "docker", "cali", "kube-", "tunl", "lxc", "vxlan"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// autoLinks lists the links an empty configuration runs DHCP on.
func autoLinks(h *netlink.Handle) ([]linkPlan, error) {
	links, err := listLinks(h)
	if err != nil {
		return nil, err
	}
	var out []linkPlan
	for _, l := range links {
		if autoLink(l) {
			out = append(out, linkPlan{where: "automatic DHCP", name: l.Attrs().Name, dhcp: true})
		}
	}
	return out, nil
}

func listLinks(h *netlink.Handle) ([]netlink.Link, error) {
	links, err := h.LinkList()
	if err != nil && !errors.Is(err, netlink.ErrDumpInterrupted) {
		return nil, fmt.Errorf("list links: %w", err)
	}
	return links, nil
}

// matches tells whether link is the one lp selects by name and/or MAC.
func (lp linkPlan) matches(l netlink.Link) bool {
	a := l.Attrs()
	if lp.name != "" && a.Name != lp.name {
		return false
	}
	return lp.mac == nil || bytes.Equal(a.HardwareAddr, lp.mac)
}

// findLink waits until the link lp names exists, since drivers of USB
// and PCI NICs may still be loading.
func findLink(ctx context.Context, h *netlink.Handle, lp linkPlan) (netlink.Link, error) {
	for {
		links, err := listLinks(h)
		if err != nil {
			return nil, err
		}
		for _, l := range links {
			if lp.matches(l) {
				return l, nil
			}
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return nil, fmt.Errorf("interface %s (%s) not found; links present: %s", lp.label(), lp.where, linkNames(links))
		}
	}
}

func linkNames(links []netlink.Link) string {
	var names []string
	for _, l := range links {
		names = append(names, l.Attrs().Name)
	}
	return strings.Join(names, ", ")
}

// loopbackUp raises lo, which everything on the node talks over.
func loopbackUp(h *netlink.Handle) error {
	lo, err := h.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find loopback interface lo: %w", err)
	}
	return setUp(h, lo)
}

// setUp sets the link administratively up.
func setUp(h *netlink.Handle, l netlink.Link) error {
	if err := h.LinkSetUp(l); err != nil {
		return fmt.Errorf("set %s up: %w", l.Attrs().Name, err)
	}
	return nil
}

// hasCarrier reads whether the link's lower layer is up.
func hasCarrier(h *netlink.Handle, index int) (bool, error) {
	l, err := h.LinkByIndex(index)
	if err != nil {
		return false, fmt.Errorf("read link %d: %w", index, err)
	}
	return l.Attrs().RawFlags&unix.IFF_LOWER_UP != 0, nil
}

// waitCarrier polls until the link has a carrier or ctx ends.
func waitCarrier(ctx context.Context, h *netlink.Handle, l netlink.Link) error {
	for {
		up, err := hasCarrier(h, l.Attrs().Index)
		if err != nil {
			return err
		}
		if up {
			return nil
		}
		if err := sleep(ctx, pollInterval); err != nil {
			return fmt.Errorf("%s has no carrier (is a cable plugged in?): %w", l.Attrs().Name, err)
		}
	}
}

// sleep waits for d or until ctx ends, whichever comes first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
