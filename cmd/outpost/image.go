package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/image/seed"
)

func runImage(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: outpost image build|run|seed [flags]")
	}
	switch args[0] {
	case "build":
		return imageBuild(ctx, args[1:])
	case "run":
		return imageRun(ctx, args[1:])
	case "seed":
		return imageSeed(args[1:])
	}
	return fmt.Errorf("unknown image command %q: use build, run or seed", args[0])
}

func imageBuild(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("image build", flag.ContinueOnError)
	boardName := fs.String("board", board.Default, "board to build for")
	out := fs.String("out", "", "output folder (default build/images/BOARD)")
	cache := fs.String("cache", defaultCache(), "cache for packages and unpacked kernels")
	bin := fs.String("binary", "", "outpost binary for the board's architecture (default: this one, if the architecture matches)")
	initBin := fs.String("init-binary", "", "stage-1 outpost binary (built with -tags initramfs)")
	runtimeBin := fs.String("runtime-binary", "", "container runtime outpost binary (built with -tags initramfs,containerd)")
	shimBin := fs.String("shim-binary", "", "containerd shim outpost binary (built with -tags initramfs,shim)")
	comp := fs.String("compression", "xz", "squashfs compression: xz or zstd")
	src := fs.String("source", "", "Outpost source tree the container images are built from (default: the checkout at or above the working folder)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := board.Lookup(*boardName)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("build", "images", b.Name)
	}
	if *bin == "" {
		if *bin, err = os.Executable(); err != nil {
			return fmt.Errorf("find own binary: %w", err)
		}
	}
	_, err = image.Build(ctx, image.Options{Board: b, Out: *out, Cache: *cache, Binary: *bin,
		InitBinary: *initBin, RuntimeBinary: *runtimeBin, ShimBinary: *shimBin, Compression: *comp, Source: *src, Progress: image.NewProgress(os.Stderr)})
	return err
}

func defaultCache() string {
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "outpost")
	}
	return filepath.Join("build", "cache")
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func imageRun(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("image run", flag.ContinueOnError)
	boardName := fs.String("board", board.Default, "board to boot")
	dir := fs.String("dir", "", "image folder (default build/images/BOARD)")
	mem := fs.Int("memory", 2048, "guest memory in MiB")
	seedPath := fs.String("seed", "", "NoCloud seed image to attach (outpost image seed); it is then the whole configuration")
	access := fs.Bool("kubeconfig", true, "without --seed or --append outpost.role=agent: seed role server and a server token (fw_cfg), forward 6443 and 9345 to 127.0.0.1 and write DIR/kubeconfig once the server is ready")
	var cmdline, fwds listFlag
	fs.Var(&cmdline, "append", "extra kernel command line (repeatable)")
	fs.Var(&fwds, "forward", "HOSTPORT:GUESTPORT forwarded from 127.0.0.1 (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	b, err := board.Lookup(*boardName)
	if err != nil {
		return err
	}
	if *dir == "" {
		*dir = filepath.Join("build", "images", b.Name)
	}
	if _, err := image.ReadManifest(*dir); err != nil {
		return err
	}
	o := qemu.FromDir(qemu.Options{Board: b, MemoryMB: *mem, Cmdline: cmdline, Stdin: os.Stdin, Stdout: os.Stdout}, *dir)
	if o.Forwards, err = parseForwards(fwds); err != nil {
		return err
	}
	if *seedPath != "" {
		o.Extra = append(o.Extra, "-drive", "file="+*seedPath+",if=virtio,format=raw,readonly=on")
	}
	var ca *clusterAccess
	if *access && *seedPath == "" {
		if ca, err = prepareAccess(*dir, &o); err != nil {
			return err
		}
	}
	cmd, err := qemu.Command(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "booting %s from %s (ctrl-a x quits QEMU, ctrl-a c its monitor)\n", b.Name, *dir)
	if ca == nil {
		return cmd.Run()
	}
	ca.announce(os.Stderr)
	if err := cmd.Start(); err != nil {
		return err
	}
	actx, stop := context.WithCancel(ctx)
	defer stop()
	go ca.run(actx, os.Stderr)
	return cmd.Wait()
}

func parseForwards(specs []string) ([]qemu.Forward, error) {
	var out []qemu.Forward
	for _, s := range specs {
		var f qemu.Forward
		if _, err := fmt.Sscanf(s, "%d:%d", &f.Host, &f.Guest); err != nil {
			return nil, fmt.Errorf("forward %q: use HOSTPORT:GUESTPORT, e.g. 16443:6443", s)
		}
		out = append(out, f)
	}
	return out, nil
}

func imageSeed(args []string) error {
	fs := flag.NewFlagSet("image seed", flag.ContinueOnError)
	userData := fs.String("user-data", "", "#cloud-config user-data file (required)")
	metaData := fs.String("meta-data", "", "meta-data file (optional)")
	netConfig := fs.String("network-config", "", "network-config file (optional)")
	out := fs.String("out", "seed.iso", "seed image to write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *userData == "" {
		return errors.New("--user-data is required")
	}
	var files seed.Files
	for path, dst := range map[string]*[]byte{*userData: &files.UserData, *metaData: &files.MetaData, *netConfig: &files.NetworkConfig} {
		if path == "" {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		*dst = data
	}
	return seed.Write(*out, files)
}
