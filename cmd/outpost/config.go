package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/metadata"
	"github.com/outpost-os/outpost/services/paths"
)

// runConfig is `outpost config show|check`.
func runConfig(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: outpost config show [flags] | outpost config check [--partial] FILE")
	}
	switch args[0] {
	case "show":
		return configShow(ctx, os.Stdout, args[1:])
	case "check":
		return configCheck(os.Stdout, args[1:])
	}
	return fmt.Errorf("unknown config command %q: use show or check", args[0])
}

// configShow runs every metadata source as the boot does and prints the
// effective configuration, each key with its source, secrets masked.
func configShow(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("config show", flag.ContinueOnError)
	var p metadata.Paths
	fs.StringVar(&p.Cmdline, "cmdline", "/proc/cmdline", "kernel command line file")
	fs.StringVar(&p.SysRoot, "sys", "/sys", "sysfs root (fw_cfg, block devices)")
	fs.StringVar(&p.DevRoot, "dev", "/dev", "device folder")
	fs.StringVar(&p.StateFile, "state", config.StatePath, "configuration file on the state partition")
	fs.StringVar(&p.IMDSURL, "imds", metadata.DefaultIMDSURL, "EC2-style instance metadata URL")
	fs.StringVar(&p.MountDir, "mount-dir", paths.MetadataMountDir, "where metadata volumes are mounted while read")
	offline := fs.Bool("offline", false, "skip the sources that need the network (seed URL, config_url, IMDS)")
	timeout := fs.Duration("timeout", 15*time.Second, "time limit for each source")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("config show takes no arguments, got %q", fs.Args())
	}
	res, err := metadata.Load(ctx, metadata.Options{Paths: p, Offline: *offline, Timeout: *timeout, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if res == nil {
		return err
	}
	if showErr := res.Config.Show(w); showErr != nil {
		return fmt.Errorf("write: %w", showErr)
	}
	printSources(w, res)
	if err != nil {
		fmt.Fprintf(w, "\nproblems:\n%v\n", err)
		return errors.New("the configuration is not usable; the node would enter maintenance mode")
	}
	return nil
}

func printSources(w io.Writer, res *metadata.Result) {
	fmt.Fprintln(w, "\nsources:")
	for _, s := range res.Sources {
		state := "not present"
		switch {
		case s.Err != nil:
			state = "error"
		case s.Skipped:
			state = "skipped (offline)"
		case s.Found && s.Origin != "":
			state = "found in " + s.Origin
		case s.Found:
			state = "found"
		}
		fmt.Fprintf(w, "  %-10s %s (%v)\n", s.Source, state, s.Took.Round(time.Millisecond))
	}
	if ws := res.Warnings(); len(ws) > 0 {
		fmt.Fprintln(w, "\nwarnings:")
		for _, warn := range ws {
			fmt.Fprintf(w, "  %v\n", warn)
		}
	}
}

// configCheck validates a user-data (or config.yaml) file before it is
// flashed, printing each problem as FILE:LINE: key: message.
func configCheck(w io.Writer, args []string) error {
	fs := flag.NewFlagSet("config check", flag.ContinueOnError)
	partial := fs.Bool("partial", false, "the file is one source among others: do not require role, server or token")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: outpost config check [--partial] FILE")
	}
	path := fs.Arg(0)
	data, err := readCapped(path)
	if err != nil {
		return err
	}
	layer, err := cloudinit.DecodeConfig("user-data", data)
	var errs config.Errors
	switch {
	case errors.As(err, &errs):
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	default:
		errs = relevant(config.Merge(layer).Validate(), *partial)
		for _, warn := range layer.Warnings {
			fmt.Fprintln(w, position(path, warn, "warning: "))
		}
	}
	for _, e := range errs {
		fmt.Fprintln(w, position(path, e, ""))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s has %d error(s)", path, len(errs))
	}
	fmt.Fprintf(w, "%s: ok\n", path)
	return config.Merge(layer).Show(w)
}

func relevant(errs config.Errors, partial bool) config.Errors {
	if !partial {
		return errs
	}
	var out config.Errors
	for _, e := range errs {
		if !e.Missing {
			out = append(out, e)
		}
	}
	return out
}

// position formats an error as compilers do, so editors can jump to it.
func position(path string, e config.FieldError, prefix string) string {
	loc := path
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", path, e.Line)
	}
	if e.Path != "" {
		return fmt.Sprintf("%s: %s%s: %s", loc, prefix, e.Path, e.Msg)
	}
	return fmt.Sprintf("%s: %s%s", loc, prefix, e.Msg)
}

func readCapped(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > config.MaxSize {
		return nil, fmt.Errorf("%s is over the %d byte limit", path, config.MaxSize)
	}
	return data, nil
}
