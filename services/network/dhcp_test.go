package network

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/config"
)

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// up runs Up in the test's client namespace and stops it at cleanup,
// checking that every goroutine ends.
func (tn *testNet) up(t *testing.T, cfg config.Network, timeout time.Duration) (*State, error, string) {
	t.Helper()
	resolv := filepath.Join(t.TempDir(), "resolv.conf")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := Up(ctx, cfg, Options{NetnsPath: tn.nsPath(), ResolvConfPath: resolv, DHCPTimeout: timeout, Hostname: "outpost-test", Logger: testLogger(t)})
	t.Cleanup(func() {
		cancel()
		if s == nil {
			return
		}
		select {
		case <-s.Done():
		case <-time.After(20 * time.Second):
			t.Errorf("network goroutines still running 20s after cancel")
		}
	})
	return s, err, resolv
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDHCPEmptyConfig: with no configuration, eth0 gets its address,
// default route, MTU, DNS and search from a real dnsmasq, the node IP is
// that address, a Kubernetes bridge is left alone, and the lease is
// renewed at T1.
func TestDHCPEmptyConfig(t *testing.T) {
	tn := newTestNet(t)
	run(t, "ip", "-n", tn.cli, "link", "add", "cni0", "type", "bridge")
	srv := tn.startDnsmasq(t,
		"--dhcp-host="+clientMAC+",10.99.0.57,node-7",
		"--dhcp-option=option:router,10.99.0.1",
		"--dhcp-option=option:dns-server,10.99.0.1,10.99.0.2",
		"--dhcp-option=option:domain-search,example.test,lab.example.test",
		"--dhcp-option=option:mtu,1400",
		"--dhcp-option=option:T1,3",
		"--dhcp-option=option:T2,100",
	)
	s, err, resolv := tn.up(t, config.Network{}, 30*time.Second)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if got := s.PrimaryIP(); got != netip.MustParseAddr("10.99.0.57") {
		t.Errorf("PrimaryIP = %v, want 10.99.0.57", got)
	}
	if got := tn.addrs(t, "eth0"); !slices.Contains(got, netip.MustParsePrefix("10.99.0.57/24")) {
		t.Errorf("eth0 addresses = %v, want 10.99.0.57/24", got)
	}
	if _, ok := findRoute(tn.routes(t), "0.0.0.0/0", "10.99.0.1"); !ok {
		t.Errorf("no default route via 10.99.0.1: %v", tn.routes(t))
	}
	if mtu := tn.link(t, "eth0").Attrs().MTU; mtu != 1400 {
		t.Errorf("eth0 MTU = %d, want 1400 from DHCP", mtu)
	}
	if a := tn.link(t, "cni0").Attrs(); a.Flags&1 != 0 || len(tn.addrs(t, "cni0")) != 0 {
		t.Errorf("cni0 was touched: flags %v, addresses %v", a.Flags, tn.addrs(t, "cni0"))
	}
	want := "nameserver 10.99.0.1\nnameserver 10.99.0.2\nsearch example.test lab.example.test\n"
	if got := readFile(t, resolv); !strings.HasSuffix(got, want) {
		t.Errorf("resolv.conf =\n%s\nwant it to end with\n%s", got, want)
	}
	ifs := s.Interfaces()
	if len(ifs) != 1 || ifs[0].Name != "eth0" || ifs[0].Lease == nil {
		t.Fatalf("Interfaces() = %+v, want eth0 with a lease", ifs)
	}
	if l := ifs[0].Lease; l.Hostname != "node-7" || l.T1 != 3*time.Second || l.Server != netip.MustParseAddr("10.99.0.1") {
		t.Errorf("lease = %+v, want hostname node-7, T1 3s, server 10.99.0.1", l)
	}
	expiry, ip, ok := srv.lease(t)
	if !ok || ip != "10.99.0.57" {
		t.Fatalf("dnsmasq lease file has no lease 10.99.0.57 for %s", clientMAC)
	}

	// Renewal at T1 (3 s): the lease is acquired anew and dnsmasq moves
	// the lease's expiry.
	first := ifs[0].Lease.Acquired
	waitFor(t, 20*time.Second, "the lease to be renewed", func() bool {
		select {
		case <-s.Changed():
		default:
			return false
		}
		l := s.Interfaces()[0].Lease
		return l != nil && l.Acquired.After(first)
	})
	waitFor(t, 10*time.Second, "dnsmasq to record the renewal", func() bool {
		e, _, ok := srv.lease(t)
		return ok && e > expiry
	})
	if got := tn.addrs(t, "eth0"); !slices.Contains(got, netip.MustParsePrefix("10.99.0.57/24")) {
		t.Errorf("after renewal eth0 addresses = %v, want 10.99.0.57/24", got)
	}
}

// TestStaticWinsOverDHCP: an interface with addresses gets exactly those,
// its gateway, routes with metrics, MTU and DNS, even with a DHCP server
// on the link.
func TestStaticWinsOverDHCP(t *testing.T) {
	tn := newTestNet(t)
	tn.startDnsmasq(t, "--dhcp-option=option:router,10.99.0.1", "--dhcp-option=option:mtu,1400")
	cfg := config.Network{
		Nameservers: []string{"10.99.0.54"},
		Search:      []string{"corp.test"},
		Interfaces: []config.Interface{{
			MAC:       clientMAC,
			Addresses: []string{"10.99.0.200/24"},
			Gateway:   "10.99.0.1",
			Routes:    []config.Route{{To: "192.0.2.0/24", Via: "10.99.0.254", Metric: 50}},
			DNS:       []string{"10.99.0.53", "10.99.0.54"},
			MTU:       1300,
		}},
	}
	s, err, resolv := tn.up(t, cfg, 10*time.Second)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if got := tn.addrs(t, "eth0"); !slices.Equal(got, []netip.Prefix{netip.MustParsePrefix("10.99.0.200/24")}) {
		t.Errorf("eth0 addresses = %v, want only 10.99.0.200/24", got)
	}
	if l := s.Interfaces()[0].Lease; l != nil {
		t.Errorf("static interface has a DHCP lease %+v", l)
	}
	rs := tn.routes(t)
	if r, ok := findRoute(rs, "0.0.0.0/0", "10.99.0.1"); !ok || r.Priority != 0 {
		t.Errorf("default route via 10.99.0.1 metric 0 missing: %v", rs)
	}
	if r, ok := findRoute(rs, "192.0.2.0/24", "10.99.0.254"); !ok || r.Priority != 50 {
		t.Errorf("route 192.0.2.0/24 via 10.99.0.254 metric 50 missing: %v", rs)
	}
	if mtu := tn.link(t, "eth0").Attrs().MTU; mtu != 1300 {
		t.Errorf("eth0 MTU = %d, want 1300", mtu)
	}
	if got := s.PrimaryIP(); got != netip.MustParseAddr("10.99.0.200") {
		t.Errorf("PrimaryIP = %v, want 10.99.0.200", got)
	}
	want := "nameserver 10.99.0.54\nnameserver 10.99.0.53\nsearch corp.test\n"
	if got := readFile(t, resolv); !strings.HasSuffix(got, want) {
		t.Errorf("resolv.conf =\n%s\nwant it to end with\n%s", got, want)
	}
}

// TestNoDHCPServer: without a server, Up returns within its bound with an
// error naming the interface, and stops cleanly.
func TestNoDHCPServer(t *testing.T) {
	tn := newTestNet(t)
	start := time.Now()
	_, err, _ := tn.up(t, config.Network{}, 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), "eth0") || !strings.Contains(err.Error(), "still trying") {
		t.Fatalf("Up error = %v, want one naming eth0", err)
	}
	t.Logf("Up error: %v", err)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Up took %s with a 3s bound", d)
	}
}

// TestMissingInterface: a configured interface that does not exist is
// named in the error, after the bound.
func TestMissingInterface(t *testing.T) {
	tn := newTestNet(t)
	cfg := config.Network{Interfaces: []config.Interface{{Name: "eth9", Addresses: []string{"10.99.0.9/24"}}}}
	_, err, _ := tn.up(t, cfg, time.Second)
	if err == nil || !strings.Contains(err.Error(), "eth9") {
		t.Fatalf("Up error = %v, want one naming eth9", err)
	}
	t.Logf("Up error: %v", err)
}

// TestNAKStartsOver: when the server refuses the renewal (the address was
// reassigned), the old address and route go and a new lease is taken.
func TestNAKStartsOver(t *testing.T) {
	tn := newTestNet(t)
	srv, stop := tn.startDnsmasqStoppable2(t, "--dhcp-host="+clientMAC+",10.99.0.57",
		"--dhcp-option=option:router,10.99.0.1", "--dhcp-option=option:T1,3", "--dhcp-option=option:T2,100")
	s, err, _ := tn.up(t, config.Network{}, 30*time.Second)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	if got := s.PrimaryIP(); got != netip.MustParseAddr("10.99.0.57") {
		t.Fatalf("PrimaryIP = %v, want 10.99.0.57", got)
	}
	if f := srv.leaseFields(t); f == nil || f[3] != "outpost-test" {
		t.Errorf("dnsmasq lease %v, want the hostname outpost-test sent in option 12", f)
	}
	stop()
	tn.startDnsmasq(t, "--dhcp-host="+clientMAC+",10.99.0.58",
		"--dhcp-option=option:router,10.99.0.1", "--dhcp-option=option:T1,60")
	waitFor(t, 30*time.Second, "the new address 10.99.0.58", func() bool {
		return s.PrimaryIP() == netip.MustParseAddr("10.99.0.58")
	})
	got := tn.addrs(t, "eth0")
	if slices.Contains(got, netip.MustParsePrefix("10.99.0.57/24")) || !slices.Contains(got, netip.MustParsePrefix("10.99.0.58/24")) {
		t.Errorf("eth0 addresses = %v, want 10.99.0.58/24 and not 10.99.0.57/24", got)
	}
	if _, ok := findRoute(tn.routes(t), "0.0.0.0/0", "10.99.0.1"); !ok {
		t.Errorf("no default route via 10.99.0.1 after the new lease: %v", tn.routes(t))
	}
}

// TestReleaseOnStop: with ReleaseOnStop, stopping releases the lease at
// the server and removes the address.
func TestReleaseOnStop(t *testing.T) {
	tn := newTestNet(t)
	srv := tn.startDnsmasq(t, "--dhcp-option=option:router,10.99.0.1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{NetnsPath: tn.nsPath(), ResolvConfPath: filepath.Join(t.TempDir(), "resolv.conf"),
		DHCPTimeout: 30 * time.Second, ReleaseOnStop: true, Logger: testLogger(t)}
	s, err := Up(ctx, config.Network{}, opts)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	ip := s.PrimaryIP()
	if _, leased, ok := srv.lease(t); !ok || leased != ip.String() {
		t.Fatalf("dnsmasq lease = %q, want %v", leased, ip)
	}
	cancel()
	select {
	case <-s.Done():
	case <-time.After(20 * time.Second):
		t.Fatal("Up's goroutines did not stop within 20s")
	}
	if got := tn.addrs(t, "eth0"); len(got) != 0 {
		t.Errorf("eth0 addresses after release = %v, want none", got)
	}
	waitFor(t, 10*time.Second, "dnsmasq to drop the released lease", func() bool {
		_, _, ok := srv.lease(t)
		return !ok
	})
}

// TestStaticAndDHCP: with dhcp: true and static addresses, the link has
// both, and the static gateway wins over the DHCP router.
func TestStaticAndDHCP(t *testing.T) {
	tn := newTestNet(t)
	tn.startDnsmasq(t, "--dhcp-host="+clientMAC+",10.99.0.57", "--dhcp-option=option:router,10.99.0.1")
	yes := true
	cfg := config.Network{Interfaces: []config.Interface{{
		Name: "eth0", DHCP: &yes, Addresses: []string{"10.99.0.201/24"}, Gateway: "10.99.0.254",
	}}}
	s, err, _ := tn.up(t, cfg, 30*time.Second)
	if err != nil {
		t.Fatalf("Up: %v", err)
	}
	got := tn.addrs(t, "eth0")
	for _, want := range []string{"10.99.0.201/24", "10.99.0.57/24"} {
		if !slices.Contains(got, netip.MustParsePrefix(want)) {
			t.Errorf("eth0 addresses = %v, want %s", got, want)
		}
	}
	rs := tn.routes(t)
	if _, ok := findRoute(rs, "0.0.0.0/0", "10.99.0.254"); !ok {
		t.Errorf("no static default route via 10.99.0.254: %v", rs)
	}
	if _, ok := findRoute(rs, "0.0.0.0/0", "10.99.0.1"); ok {
		t.Errorf("DHCP router 10.99.0.1 installed although a gateway is configured: %v", rs)
	}
	if l := s.Interfaces()[0].Lease; l == nil || l.Address != netip.MustParsePrefix("10.99.0.57/24") {
		t.Errorf("lease = %+v, want 10.99.0.57/24", l)
	}
}

// TestNoCarrier: a link whose other end is down is reported as waiting
// for a carrier.
func TestNoCarrier(t *testing.T) {
	tn := newTestNet(t)
	run(t, "ip", "-n", tn.srv, "link", "set", "srv0", "down")
	_, err, _ := tn.up(t, config.Network{}, 2*time.Second)
	if err == nil || !strings.Contains(err.Error(), "eth0") || !strings.Contains(err.Error(), "carrier") {
		t.Fatalf("Up error = %v, want eth0 waiting for a carrier", err)
	}
}
