package clock

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// serverAddr adds the NTP port to a server given without one: "host",
// "192.0.2.1", "2001:db8::1", "host:123", "[2001:db8::1]:123".
func serverAddr(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	if a, err := netip.ParseAddr(server); err == nil {
		return netip.AddrPortFrom(a, 123).String()
	}
	return net.JoinHostPort(server, "123")
}

// query asks one server for the time within timeout.
func query(ctx context.Context, server string, timeout time.Duration) (Result, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "udp", serverAddr(server))
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", server, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer stop()
	res, err := exchange(conn)
	if err != nil {
		return Result{}, fmt.Errorf("%s: %w", where(server, conn), explain(err, ctx, start))
	}
	res.Server, res.Addr = server, conn.RemoteAddr().String()
	return res, nil
}

// where names the server, and the address it resolved to when that
// differs.
func where(server string, conn net.Conn) string {
	if addr := conn.RemoteAddr().String(); addr != server {
		return server + " (" + addr + ")"
	}
	return server
}

// explain turns a read timeout into how long we waited.
func explain(err error, ctx context.Context, start time.Time) error {
	if errors.Is(err, os.ErrDeadlineExceeded) || ctx.Err() != nil {
		return fmt.Errorf("no answer within %s", time.Since(start).Round(time.Millisecond))
	}
	return err
}

// exchange sends one client request and reads until the reply to it
// arrives; other packets are skipped.
func exchange(conn net.Conn) (Result, error) {
	var cookie [8]byte
	rand.Read(cookie[:])
	// A random transmit timestamp: the server echoes it as the origin,
	// which proves the reply answers this request, and the client's clock
	// (maybe 1970) is not sent.
	sent := ntpTime(binary.BigEndian.Uint64(cookie[:]))
	req := packet{version: ntpVersion, mode: modeClient, transmit: sent}
	t1 := time.Now()
	if _, err := conn.Write(req.marshal()); err != nil {
		return Result{}, fmt.Errorf("send request: %w", err)
	}
	buf := make([]byte, 1024)
	var skipped error
	for {
		n, err := conn.Read(buf)
		if err != nil {
			if skipped != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				return Result{}, skipped
			}
			return Result{}, err
		}
		t4 := t1.Add(time.Since(t1)) // monotonic, even if the clock steps
		p, err := parsePacket(buf[:n])
		if err != nil || p.origin != sent {
			// Not an answer to this request: wait for the real one.
			skipped = fmt.Errorf("only unrelated or malformed packets came back")
			continue
		}
		if err := checkReply(p, sent); err != nil {
			return Result{}, err
		}
		return result(p, t1, t4), nil
	}
}

func result(p packet, t1, t4 time.Time) Result {
	offset, delay := offsetDelay(t1, p.receive.Time(), p.transmit.Time(), t4)
	return Result{Offset: offset, Delay: delay, Stratum: int(p.stratum), Time: t4.Add(offset)}
}
