package statefs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/outpost-os/outpost/init/blockdev"
)

// e2fsck's exit status bits (e2fsck(8)).
const (
	fsckCorrected   = 1
	fsckReboot      = 2
	fsckUncorrected = 4
)

// check runs e2fsck in preen mode (what distributions do at boot: replay
// the journal, fix what is safe to fix) and, when that leaves errors, once
// more answering yes to every repair, since no one is at the keyboard of
// an edge box. What even that cannot repair stops the boot: the data is
// left as it is for a person to rescue or erase.
func check(ctx context.Context, o Options, dev blockdev.Device) error {
	code, out, err := e2fsck(ctx, o.E2fsck, "-p", dev)
	if err != nil {
		return err
	}
	if code&fsckUncorrected != 0 {
		fmt.Fprintf(o.Console, "outpost: state: %s needs more than a routine check; repairing it (e2fsck -y)\n", dev)
		code, out, err = e2fsck(ctx, o.E2fsck, "-y", dev)
		if err != nil {
			return err
		}
	}
	if code&^(fsckCorrected|fsckReboot) != 0 {
		return &Unrepairable{Device: dev, Code: code, Output: firstLines(out, 2)}
	}
	summary := "clean"
	if code&fsckCorrected != 0 {
		summary = "repaired"
	}
	fmt.Fprintf(o.Console, "outpost: state: checked %s: %s (%s)\n", dev, summary, lastLines(out, 1))
	return nil
}

// Unrepairable is a state file system e2fsck cannot repair.
type Unrepairable struct {
	Device blockdev.Device
	Code   int
	Output string
}

func (e *Unrepairable) Error() string {
	return fmt.Sprintf("the state partition %s holds a file system e2fsck cannot repair (exit status %d: %s). "+
		"Nothing was erased. To rescue its data, attach the disk to another machine and run e2fsck there; "+
		"to start this node afresh, erasing its cluster state, boot once with outpost.wipe=state on the kernel command line",
		e.Device, e.Code, e.Output)
}

func e2fsck(ctx context.Context, bin, mode string, dev blockdev.Device) (int, string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, mode, dev.Path())
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("state partition %s: run %s: %w", dev, bin, err)
	}
	return 0, out.String(), nil
}

// lastLines and firstLines return the last or first n non-empty lines of
// s, joined by "; ".
func lastLines(s string, n int) string {
	lines := nonEmpty(s)
	return strings.Join(lines[max(0, len(lines)-n):], "; ")
}

func firstLines(s string, n int) string {
	lines := nonEmpty(s)
	return strings.Join(lines[:min(n, len(lines))], "; ")
}

func nonEmpty(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}
