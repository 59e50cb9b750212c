// Package clock sets the system clock at boot from NTP servers with a small
// SNTP client (RFC 4330), and tells when the clock is plausibly wrong:
// boards without a battery-backed clock start in 1970, and TLS
// certificates would look not yet valid.
//
// Sync is bounded: when no server answers it returns an error naming the
// servers it tried, so the boot goes on.
package clock

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults used when the matching Options field is zero.
const (
	DefaultServerTimeout = 3 * time.Second
	DefaultTimeout       = 15 * time.Second
)

// Options tunes Sync.
type Options struct {
	// ServerTimeout bounds the exchange with one server, name lookup
	// included.
	ServerTimeout time.Duration
	// Timeout bounds the whole Sync.
	Timeout time.Duration
	// SetClock sets the system clock from the first good answer. Off, Sync
	// only measures the offset (tests must not change the host's clock).
	SetClock bool
	// Logger receives one line per server that failed; nil means
	// slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.ServerTimeout <= 0 {
		o.ServerTimeout = DefaultServerTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Result is the answer Sync used.
type Result struct {
	Server  string        // as configured
	Addr    string        // address it was reached at
	Offset  time.Duration // to add to the system clock to get the server's time
	Delay   time.Duration // round trip, less the server's processing time
	Stratum int
	Time    time.Time // the server's time when the answer arrived
	Set     bool      // the system clock was set
}

// ErrNoServers means Sync was given no server to ask.
var ErrNoServers = errors.New("no NTP servers configured: list them under ntp.servers")

// Sync asks servers in order, each within Options.ServerTimeout and all
// within Options.Timeout, and returns the first good answer, after
// setting the system clock from it when Options.SetClock is on.
func Sync(ctx context.Context, servers []string, opts Options) (Result, error) {
	opts = opts.withDefaults()
	if len(servers) == 0 {
		return Result{}, ErrNoServers
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	var failures []string
	for _, server := range servers {
		if ctx.Err() != nil {
			failures = append(failures, server+": not tried, "+opts.Timeout.String()+" bound reached")
			continue
		}
		res, err := query(ctx, server, opts.ServerTimeout)
		if err != nil {
			opts.Logger.Warn("clock: NTP server failed", "server", server, "err", err)
			failures = append(failures, err.Error())
			continue
		}
		if opts.SetClock {
			if err := setClock(res.Offset); err != nil {
				return res, err
			}
			res.Set = true
		}
		return res, nil
	}
	return Result{}, fmt.Errorf("no NTP server gave the time (%s)", strings.Join(failures, "; "))
}
