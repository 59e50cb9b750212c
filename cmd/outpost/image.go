package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/image/seed"
	"github.com/outpost-os/outpost/services/paths"
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
	epoch, err := buildEpoch()
	if err != nil {
		return err
	}
	_, err = image.Build(ctx, image.Options{Board: b, Out: *out, Cache: *cache, Binary: *bin,
		InitBinary: *initBin, RuntimeBinary: *runtimeBin, ShimBinary: *shimBin, Compression: *comp, Source: *src,
		Version: version, Commit: commit, Epoch: epoch, Progress: image.NewProgress(os.Stderr)})
	return err
}

// defaultEpoch is the time stamped on an image's files when
// SOURCE_DATE_EPOCH is not set: fixed, and FAT's first day.
var defaultEpoch = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// buildEpoch is SOURCE_DATE_EPOCH (make sets it to the commit's time),
// or defaultEpoch.
func buildEpoch() (time.Time, error) {
	v := os.Getenv("SOURCE_DATE_EPOCH")
	if v == "" {
		return defaultEpoch, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < defaultEpoch.Unix() {
		return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970, from 1980 on (git log -1 --format=%%ct)", v)
	}
	return time.Unix(n, 0).UTC(), nil
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
	access := fs.Bool("kubeconfig", true, fmt.Sprintf("without --seed or --append outpost.role=agent: seed role server and a server token (fw_cfg), forward %d and %d to 127.0.0.1 and write DIR/kubeconfig once the server is ready", paths.APIServerPort, paths.JoinAPIPort))
	useDisk := fs.Bool("disk", false, "boot DIR/disk.img through the board's UEFI firmware, as a real box boots; the VM writes to it, so a second run keeps its state (--append edits its loader entries)")
	diskSize := fs.String("disk-size", "", "with --disk: grow disk.img (sparse) to this size first, as a bigger disk would be (e.g. 8G)")
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
	if *useDisk {
		if err := prepareDisk(ctx, &o, *dir, *diskSize); err != nil {
			return err
		}
	} else if *diskSize != "" {
		return errors.New("--disk-size needs --disk")
	}
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
	from := *dir
	if o.UEFI {
		from = o.Disk + " through UEFI"
	}
	fmt.Fprintf(os.Stderr, "booting %s from %s (ctrl-a x quits QEMU, ctrl-a c its monitor)\n", b.Name, from)
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

// varsFile is a disk VM's UEFI variable store in the image folder.
const varsFile = "efivars.fd"

// prepareDisk switches o to a UEFI boot of DIR/disk.img: the disk grown
// to size, the kernel command line additions written into its loader
// entries, a variable store made from the firmware's template once.
func prepareDisk(ctx context.Context, o *qemu.Options, dir, size string) error {
	img := filepath.Join(dir, image.DiskFile)
	if size != "" {
		n, err := parseSize(size)
		if err != nil {
			return err
		}
		if err := qemu.GrowDisk(img, n); err != nil {
			return err
		}
	}
	if err := disk.AppendOptions(ctx, img, o.Cmdline); err != nil {
		return err
	}
	o.Kernel, o.Initrd, o.Root = "", "", ""
	o.Disk, o.UEFI, o.Vars = img, true, filepath.Join(dir, varsFile)
	return qemu.PrepareVars(o.Board, o.Vars)
}

// parseSize reads a size such as 8G, 512M, 8GiB or a number of bytes.
func parseSize(s string) (int64, error) {
	units := map[string]int64{"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
	num := strings.TrimRight(s, "KMGTiB")
	unit := strings.TrimSuffix(strings.TrimSuffix(s[len(num):], "B"), "i")
	n, err := strconv.ParseInt(num, 10, 64)
	mult, ok := units[unit]
	if err != nil || !ok || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("disk size %q: give a number with K, M, G or T (e.g. 8G)", s)
	}
	return n * mult, nil
}

func parseForwards(specs []string) ([]qemu.Forward, error) {
	var out []qemu.Forward
	for _, s := range specs {
		var f qemu.Forward
		if _, err := fmt.Sscanf(s, "%d:%d", &f.Host, &f.Guest); err != nil {
			return nil, fmt.Errorf("forward %q: use HOSTPORT:GUESTPORT, e.g. 16443:%d", s, paths.APIServerPort)
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
