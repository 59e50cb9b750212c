package clock

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func quiet() Options {
	return Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// TestSyncChronyd: a real chronyd serving this host's time gives an
// offset near zero.
func TestSyncChronyd(t *testing.T) {
	addr := startChronyd(t)
	opts := quiet()
	opts.ServerTimeout = time.Second
	var res Result
	var err error
	deadline := time.Now().Add(10 * time.Second)
	for { // chronyd writes its pid file before it serves: poll with a bound
		if res, err = Sync(context.Background(), []string{addr}, opts); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if res.Offset.Abs() > 500*time.Millisecond || res.Delay < 0 || res.Delay > time.Second {
		t.Errorf("offset %s, delay %s: want an offset near 0 from a server on this host", res.Offset, res.Delay)
	}
	if res.Stratum != 8 || res.Server != addr || res.Set {
		t.Errorf("result %+v, want stratum 8 from %s, clock not set", res, addr)
	}
	if d := time.Until(res.Time).Abs(); d > time.Second {
		t.Errorf("server time %s is %s away from now", res.Time, d)
	}
}

// TestSyncOffset: a server an hour ahead gives an offset of an hour.
func TestSyncOffset(t *testing.T) {
	addr := fakeServer(t, func(req packet, rx time.Time) []byte {
		return serverReply(req, rx, time.Hour).marshal()
	})
	res, err := Sync(context.Background(), []string{addr}, quiet())
	if err != nil {
		t.Fatal(err)
	}
	if d := (res.Offset - time.Hour).Abs(); d > 100*time.Millisecond {
		t.Errorf("offset %s, want 1h", res.Offset)
	}
}

// TestSyncSkipsBadServers: bad answers and silence make Sync move on to
// the next server, in order.
func TestSyncSkipsBadServers(t *testing.T) {
	bad := map[string]func(p *packet){
		"unsynchronized": func(p *packet) { p.leap = leapAlarm },
		"kiss-o'-death":  func(p *packet) { p.stratum = 0; p.refID = [4]byte{'R', 'A', 'T', 'E'} },
		"wrong origin":   func(p *packet) { p.origin++ },
		"client mode":    func(p *packet) { p.mode = modeClient },
		"stratum 16":     func(p *packet) { p.stratum = 16 },
		"no transmit":    func(p *packet) { p.transmit = 0 },
	}
	good := fakeServer(t, func(req packet, rx time.Time) []byte { return serverReply(req, rx, 0).marshal() })
	for name, spoil := range bad {
		t.Run(name, func(t *testing.T) {
			badAddr := fakeServer(t, func(req packet, rx time.Time) []byte {
				p := serverReply(req, rx, 10*time.Hour)
				spoil(&p)
				return p.marshal()
			})
			opts := quiet()
			opts.ServerTimeout = 500 * time.Millisecond
			res, err := Sync(context.Background(), []string{badAddr, good}, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Server != good || res.Offset.Abs() > time.Second {
				t.Errorf("used %s with offset %s, want %s with offset ~0", res.Server, res.Offset, good)
			}
		})
	}
	t.Run("silent", func(t *testing.T) {
		opts := quiet()
		opts.ServerTimeout = 300 * time.Millisecond
		res, err := Sync(context.Background(), []string{silentServer(t), good}, opts)
		if err != nil || res.Server != good {
			t.Fatalf("Sync = %+v, %v; want an answer from %s", res, err, good)
		}
	})
}

// TestSyncKissCode: the kiss code is in the error.
func TestSyncKissCode(t *testing.T) {
	addr := fakeServer(t, func(req packet, rx time.Time) []byte {
		p := serverReply(req, rx, 0)
		p.stratum, p.refID = 0, [4]byte{'D', 'E', 'N', 'Y'}
		return p.marshal()
	})
	opts := quiet()
	opts.ServerTimeout = 300 * time.Millisecond
	_, err := Sync(context.Background(), []string{addr}, opts)
	if err == nil || !strings.Contains(err.Error(), `kiss-o'-death "DENY"`) {
		t.Errorf("error = %v, want the DENY kiss code", err)
	}
}

// TestSyncNoAnswerIsBounded: with no server answering, Sync returns
// within its bound and names every server.
func TestSyncNoAnswerIsBounded(t *testing.T) {
	a, b, c := silentServer(t), silentServer(t), silentServer(t)
	opts := quiet()
	opts.ServerTimeout, opts.Timeout = 400*time.Millisecond, time.Second
	start := time.Now()
	_, err := Sync(context.Background(), []string{a, b, c}, opts)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Sync took %s with a 1s bound", took)
	}
	if err == nil {
		t.Fatal("Sync succeeded with silent servers")
	}
	for _, s := range []string{a, b, c} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %s", err, s)
		}
	}
	t.Logf("error: %v", err)
}

func TestSyncCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	_, err := Sync(ctx, []string{silentServer(t)}, quiet())
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("Sync = %v after %s, want an error soon after cancel", err, time.Since(start))
	}
}

func TestSyncNoServers(t *testing.T) {
	if _, err := Sync(context.Background(), nil, quiet()); !errors.Is(err, ErrNoServers) {
		t.Errorf("error = %v, want ErrNoServers", err)
	}
}

func TestSyncUnresolvable(t *testing.T) {
	opts := quiet()
	opts.ServerTimeout = time.Second
	// Not a valid domain name: the resolver fails without sending a query.
	_, err := Sync(context.Background(), []string{"no..such..host"}, opts)
	t.Logf("error: %v", err)
	if err == nil || !strings.Contains(err.Error(), "no..such..host") {
		t.Errorf("error = %v, want one naming no..such..host", err)
	}
}

func TestServerAddr(t *testing.T) {
	for in, want := range map[string]string{
		"pool.ntp.org":       "pool.ntp.org:123",
		"192.0.2.1":          "192.0.2.1:123",
		"192.0.2.1:1123":     "192.0.2.1:1123",
		"2001:db8::1":        "[2001:db8::1]:123",
		"[2001:db8::1]:1123": "[2001:db8::1]:1123",
	} {
		if got := serverAddr(in); got != want {
			t.Errorf("serverAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
