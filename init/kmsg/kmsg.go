// Package kmsg copies the kernel's log (/dev/kmsg) into a writer, one
// line per record as dmesg prints it, so PID 1 keeps the kernel log of
// each boot in /var/log/outpost/kernel.log, where a person reads it
// through the cluster (the kubelet's node log endpoint) without a
// keyboard.
package kmsg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Device is the kernel's log device.
const Device = "/dev/kmsg"

// Copy writes every record of the kernel log at path, from the first one
// the kernel still holds, to w until ctx ends. Records the kernel dropped
// before they were read are said once, as a line.
func Copy(ctx context.Context, path string, w io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kernel log: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { f.Close() })
	defer stop()
	defer f.Close()
	buf := make([]byte, 8192) // a record is at most about 1 KiB
	for {
		n, err := f.Read(buf)
		switch {
		case errors.Is(err, syscall.EPIPE):
			fmt.Fprintln(w, "kmsg: records were overwritten before they were read")
			continue
		case err != nil && ctx.Err() != nil:
			return nil
		case err != nil:
			return fmt.Errorf("kernel log: %w", err)
		}
		if line, ok := Format(buf[:n]); ok {
			io.WriteString(w, line)
		}
	}
}

// Format turns one /dev/kmsg record ("PRI,SEQ,USEC,FLAGS[,...];TEXT\n"
// then " KEY=VALUE" lines) into "[SECONDS] TEXT\n"; ok is false for a
// record that is not of that form.
func Format(rec []byte) (string, bool) {
	head, rest, found := strings.Cut(string(rec), ";")
	if !found {
		return "", false
	}
	fields := strings.Split(head, ",")
	if len(fields) < 4 {
		return "", false
	}
	usec, err := strconv.ParseUint(fields[2], 10, 64)
	if err != nil {
		return "", false
	}
	text, _, _ := strings.Cut(rest, "\n")
	return fmt.Sprintf("[%5d.%06d] %s\n", usec/1e6, usec%1e6, text), true
}
