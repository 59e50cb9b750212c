package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"time"
)

// runDebug holds helpers the QEMU tests use:
// "debug orphan" starts "debug sleep 1s" and exits without waiting, so the
// sleeper becomes an orphan that PID 1 must reap; "debug connect ADDR"
// carries its stdin and stdout over a TCP connection to ADDR (what a QEMU
// guest forward runs on the host for each connection).
func runDebug(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: outpost debug orphan | sleep DURATION | connect HOST:PORT")
	}
	switch args[0] {
	case "orphan":
		self, err := os.Executable()
		if err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
		cmd := exec.Command(self, "debug", "sleep", "1s")
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("start orphan: %w", err)
		}
		fmt.Printf("orphan pid %d\n", cmd.Process.Pid)
		return nil
	case "connect":
		if len(args) < 2 {
			return fmt.Errorf("usage: outpost debug connect HOST:PORT")
		}
		return connect(ctx, args[1], os.Stdin, os.Stdout)
	case "sleep":
		if len(args) < 2 {
			return fmt.Errorf("usage: outpost debug sleep DURATION")
		}
		d, err := time.ParseDuration(args[1])
		if err != nil {
			return fmt.Errorf("duration %q: %w", args[1], err)
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		return nil
	}
	return fmt.Errorf("unknown debug command %q", args[0])
}

// connect copies in to a TCP connection to addr and the connection to out,
// until both directions end.
func connect(ctx context.Context, addr string, in io.Reader, out io.Writer) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	defer conn.Close()
	go func() {
		// The guest closing its side ends the request; the answer may
		// still be coming.
		io.Copy(conn, in)
		conn.(*net.TCPConn).CloseWrite()
	}()
	if _, err := io.Copy(out, conn); err != nil {
		return fmt.Errorf("connect %s: %w", addr, err)
	}
	return nil
}
