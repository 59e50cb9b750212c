package network

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// clientMAC is the MAC of the client's end of the test link.
const clientMAC = "52:54:00:aa:bb:01"

// testNet is two network namespaces joined by a veth pair: "srv" (the
// server end, 10.99.0.1/24 on link "srv0") and the client namespace
// whose end is "eth0", unconfigured. Both are deleted at cleanup.
type testNet struct {
	srv, cli string          // namespace names
	h        *netlink.Handle // in the client namespace
}

func newTestNet(t *testing.T) *testNet {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test creates network namespaces and needs root (CI runs as root)")
	}
	sweepNamespaces()
	b := make([]byte, 3)
	rand.Read(b)
	id := fmt.Sprintf("ot-%d-%s", os.Getpid(), hex.EncodeToString(b))
	tn := &testNet{srv: id + "-srv", cli: id + "-cli"}
	for _, ns := range []string{tn.srv, tn.cli} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	run(t, "ip", "-n", tn.srv, "link", "add", "srv0", "type", "veth", "peer", "name", "eth0", "netns", tn.cli)
	run(t, "ip", "-n", tn.cli, "link", "set", "eth0", "address", clientMAC)
	run(t, "ip", "-n", tn.srv, "addr", "add", "10.99.0.1/24", "dev", "srv0")
	run(t, "ip", "-n", tn.srv, "link", "set", "srv0", "up")
	run(t, "ip", "-n", tn.srv, "link", "set", "lo", "up")
	ns, err := netns.GetFromName(tn.cli)
	if err != nil {
		t.Fatalf("open namespace %s: %v", tn.cli, err)
	}
	defer ns.Close()
	if tn.h, err = netlink.NewHandleAt(ns); err != nil {
		t.Fatalf("netlink handle in %s: %v", tn.cli, err)
	}
	t.Cleanup(tn.h.Close)
	return tn
}

// sweepNamespaces deletes the namespaces of earlier test binaries that
// died before their cleanup ran (a test timeout panics past t.Cleanup):
// names start with "ot-PID-" and PID no longer runs.
func sweepNamespaces() {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		var pid int
		if _, err := fmt.Sscanf(e.Name(), "ot-%d-", &pid); err != nil || pid <= 0 {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); os.IsNotExist(err) {
			exec.Command("ip", "netns", "del", e.Name()).Run()
		}
	}
}

// nsPath is the path of the client namespace, for Options.NetnsPath.
func (tn *testNet) nsPath() string {
	return "/run/netns/" + tn.cli
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// dnsmasq is a real DHCP server running in the server namespace.
type dnsmasq struct {
	leases string
	log    *bytes.Buffer
}

// startDnsmasq serves DHCP on srv0 with a two-minute lease (dnsmasq's
// minimum) and the given extra options; it is stopped at cleanup.
func (tn *testNet) startDnsmasq(t *testing.T, extra ...string) *dnsmasq {
	t.Helper()
	d, _ := tn.startDnsmasqStoppable2(t, extra...)
	return d
}

// startDnsmasqStoppable is startDnsmasq that also returns a function
// stopping the server early.
func (tn *testNet) startDnsmasqStoppable(t *testing.T, extra ...string) (stop func()) {
	t.Helper()
	_, stop = tn.startDnsmasqStoppable2(t, extra...)
	return stop
}

func (tn *testNet) startDnsmasqStoppable2(t *testing.T, extra ...string) (*dnsmasq, func()) {
	t.Helper()
	dir := t.TempDir()
	d := &dnsmasq{leases: filepath.Join(dir, "leases"), log: &bytes.Buffer{}}
	args := append([]string{
		"--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
		"--interface=srv0", "--bind-interfaces", "--user=root",
		"--dhcp-range=10.99.0.50,10.99.0.99,255.255.255.0,2m",
		"--dhcp-leasefile=" + d.leases, "--pid-file=" + filepath.Join(dir, "pid"),
		"--dhcp-authoritative", "--no-ping", "--log-dhcp", "--log-facility=-",
	}, extra...)
	// A shell holds dnsmasq and kills it when its stdin closes: at
	// cleanup, or when the test binary dies before cleanup runs.
	cmd := exec.Command("ip", append([]string{"netns", "exec", tn.srv, "sh", "-c",
		`dnsmasq "$@" & pid=$!; read -r _; kill $pid; wait $pid`, "sh"}, args...)...)
	cmd.Stdout, cmd.Stderr = d.log, d.log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dnsmasq: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			stdin.Close()
			done := make(chan struct{})
			go func() { cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				<-done
			}
		})
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("dnsmasq log:\n%s", d.log)
		}
	})
	waitFor(t, 10*time.Second, "dnsmasq to write its pid file", func() bool {
		_, err := os.Stat(filepath.Join(dir, "pid"))
		return err == nil
	})
	return d, stop
}

// lease returns the expiry time and address of the client's lease in
// dnsmasq's lease file ("expiry mac ip hostname clientid" lines).
func (d *dnsmasq) lease(t *testing.T) (expiry string, ip string, ok bool) {
	t.Helper()
	f := d.leaseFields(t)
	if f == nil {
		return "", "", false
	}
	return f[0], f[2], true
}

// leaseFields returns the fields of the client's line in the lease file.
func (d *dnsmasq) leaseFields(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile(d.leases)
	if err != nil {
		return nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) >= 4 && f[1] == clientMAC {
			return f
		}
	}
	return nil
}

// waitFor polls cond every 50 ms until it holds, failing after d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// link reads a link of the client namespace.
func (tn *testNet) link(t *testing.T, name string) netlink.Link {
	t.Helper()
	l, err := tn.h.LinkByName(name)
	if err != nil {
		t.Fatalf("read link %s: %v", name, err)
	}
	return l
}

// addrs lists a client link's IPv4 addresses.
func (tn *testNet) addrs(t *testing.T, name string) []netip.Prefix {
	t.Helper()
	list, err := tn.h.AddrList(tn.link(t, name), netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("list addresses of %s: %v", name, err)
	}
	var out []netip.Prefix
	for _, a := range list {
		ip, _ := netip.AddrFromSlice(a.IP.To4())
		ones, _ := a.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out
}

// routes lists the client namespace's IPv4 routes of the main table.
func (tn *testNet) routes(t *testing.T) []netlink.Route {
	t.Helper()
	rs, err := tn.h.RouteList(nil, netlink.FAMILY_V4)
	if err != nil {
		t.Fatalf("list routes: %v", err)
	}
	return rs
}

// findRoute returns the route to dst (CIDR) through gw, if any.
func findRoute(rs []netlink.Route, dst, gw string) (netlink.Route, bool) {
	for _, r := range rs {
		d := "0.0.0.0/0"
		if r.Dst != nil {
			d = r.Dst.String()
		}
		if d == dst && r.Gw.String() == gw {
			return r, true
		}
	}
	return netlink.Route{}, false
}
