// Package image builds bootable Outpost images for a board: it fetches the
// kernel package from the Debian archive, picks the modules, writes the
// stage-1 initramfs, the read-only squashfs root and the flashable
// disk.img, and records what went in (versions, sizes, SHA-256, the
// partition table) in manifest.json. Two builds of the same inputs give
// the same bytes.
package image

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image/deb"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/image/initramfs"
	"github.com/outpost-os/outpost/image/kmods"
	"github.com/outpost-os/outpost/image/squashfs"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/slots"
)

// Artifact names in the output folder; those an upgrade reads are named
// once, by the slots package.
const (
	KernelFile   = slots.KernelFile
	InitrdFile   = slots.InitrdFile
	RootFile     = slots.RootFile
	DiskFile     = "disk.img"
	BmapFile     = "disk.img.bmap"
	ManifestFile = slots.ManifestFile
)

// Options say what to build.
type Options struct {
	Board board.Board
	Out   string
	Cache string
	// Binary is the full outpost binary for the board's architecture (the
	// root image's /usr/bin/outpost); InitBinary is the stage-1 build
	// (-tags initramfs) that becomes /init; RuntimeBinary is the container
	// runtime build (-tags initramfs,containerd) that becomes
	// /usr/lib/outpost/containerd; ShimBinary is the shim build (-tags
	// initramfs,shim) that becomes /usr/lib/outpost/containerd-shim-runc-v2.
	Binary        string
	InitBinary    string
	RuntimeBinary string
	ShimBinary    string
	// Compression of the squashfs: xz (default, smallest) or zstd.
	Compression string
	// Source is Outpost's source tree, where the container images are
	// built from (default: found at or above the working folder).
	Source string
	// Version and Commit are Outpost's, recorded in the manifest and the
	// loader entries.
	Version, Commit string
	// Epoch is the time stamped on every file of every artifact
	// (SOURCE_DATE_EPOCH).
	Epoch    time.Time
	Progress *Progress
}

// kernel is the unpacked kernel of a build.
type kernel struct {
	pkg     deb.Package
	meta    deb.Package
	root    string
	release string
	image   string
}

// Build builds the image and returns its manifest.
func Build(ctx context.Context, o Options) (*Manifest, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	p := o.Progress
	p.Start(8)
	p.Step("fetch kernel package " + o.Board.KernelPackage)
	k, err := fetchKernel(ctx, o.Board, o.Cache)
	if err != nil {
		return nil, err
	}
	p.Step("select modules of " + k.release + ", fetch systemd-boot and e2fsck")
	tree, err := kmods.Open(ctx, k.root, k.release)
	if err != nil {
		return nil, err
	}
	bf, err := fetchBootFiles(ctx, o.Board, o.Cache)
	if err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp(o.Cache, "build-")
	if err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}
	defer os.RemoveAll(work)
	state := filepath.Join(work, "state.img")
	p.Step("write state file system and initramfs")
	if err := disk.WriteStateTemplate(ctx, o.Board, state, o.Epoch); err != nil {
		return nil, err
	}
	if err := buildInitramfs(ctx, o, tree, bf, state, filepath.Join(work, "initramfs")); err != nil {
		return nil, err
	}
	p.Step("add runc, iptables, CNI plugins, container images")
	nf, err := addNodeFiles(ctx, o, filepath.Join(work, "root"))
	if err != nil {
		return nil, err
	}
	p.Step("write root image (" + o.Compression + ")")
	if err := buildRoot(ctx, o, tree, filepath.Join(work, "root")); err != nil {
		return nil, err
	}
	if err := copyFile(k.image, filepath.Join(o.Out, KernelFile)); err != nil {
		return nil, fmt.Errorf("copy kernel: %w", err)
	}
	p.Step("write disk image")
	table, err := buildDisk(ctx, o, bf, state)
	if err != nil {
		return nil, err
	}
	p.Step("write manifest")
	m, err := newManifest(o, k, table)
	if err != nil {
		return nil, err
	}
	m.Packages = append(append(m.Packages, bf.packages...), nf.packages...)
	m.Images = nf.images
	p.Done(fmt.Sprintf("image for %s in %s", o.Board.Name, o.Out))
	return m, m.Write(filepath.Join(o.Out, ManifestFile))
}

// buildDisk writes disk.img from the artifacts already in the output
// folder, and its block map.
func buildDisk(ctx context.Context, o Options, bf bootFiles, state string) (disk.Table, error) {
	img := filepath.Join(o.Out, DiskFile)
	t, err := disk.Write(ctx, disk.Input{Board: o.Board, Version: o.Version,
		Kernel: filepath.Join(o.Out, KernelFile), Initrd: filepath.Join(o.Out, InitrdFile), Root: filepath.Join(o.Out, RootFile),
		Loader: bf.loader, State: state, Epoch: o.Epoch}, img)
	if err != nil {
		return t, err
	}
	return t, disk.WriteBmap(img, filepath.Join(o.Out, BmapFile))
}

func (o *Options) check() error {
	if o.Compression == "" {
		o.Compression = "xz"
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	for name, path := range map[string]string{"outpost binary": o.Binary, "stage-1 binary": o.InitBinary, "runtime binary": o.RuntimeBinary, "shim binary": o.ShimBinary} {
		if path == "" {
			return fmt.Errorf("no %s given: build it for %s (make image does)", name, o.Board.GoArch)
		}
		if _, err := os.Stat(path); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	for _, d := range []string{o.Out, o.Cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("make %s: %w", d, err)
		}
	}
	return nil
}

// fetchKernel resolves the board's kernel metapackage to its kernel
// package, fetches and unpacks it.
func fetchKernel(ctx context.Context, b board.Board, cache string) (kernel, error) {
	meta, err := deb.Resolve(ctx, b.KernelPackage, b.DebArch)
	if err != nil {
		return kernel{}, err
	}
	name := b.KernelPackage
	if dep := meta.FirstDepend("linux-image-"); dep != "" {
		name = dep
	}
	pkg, err := deb.Resolve(ctx, name, b.DebArch)
	if err != nil {
		return kernel{}, err
	}
	k := kernel{meta: meta}
	if k.pkg, k.root, err = deb.Unpack(ctx, pkg, cache); err != nil {
		return kernel{}, err
	}
	images, _ := filepath.Glob(filepath.Join(k.root, "boot", "vmlinuz-*"))
	if len(images) != 1 {
		return kernel{}, fmt.Errorf("package %s holds %d kernel images in /boot, want 1", pkg.Name, len(images))
	}
	k.image = images[0]
	k.release = filepath.Base(images[0])[len("vmlinuz-"):]
	return k, nil
}

func buildInitramfs(ctx context.Context, o Options, tree *kmods.Tree, bf bootFiles, state, dir string) error {
	mods, err := tree.Select(nil, append(append([]string{}, o.Board.RootModules...), board.EFIModules...))
	if err != nil {
		return err
	}
	if err := tree.Install(ctx, dir, mods); err != nil {
		return err
	}
	if err := copyFile(o.InitBinary, filepath.Join(dir, "init")); err != nil {
		return fmt.Errorf("initramfs /init: %w", err)
	}
	files := map[string]string{"etc/initrd-release": "NAME=Outpost initramfs\n", "etc/e2fsck.conf": e2fsckConf}
	if err := writeFiles(dir, files); err != nil {
		return err
	}
	if err := addStateTools(dir, bf, state); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(dir, "sbin"), 0o755); err != nil {
		return err
	}
	if err := os.Symlink("../init", filepath.Join(dir, "sbin/modprobe")); err != nil {
		return err
	}
	if err := writeBootInfo(dir, o.Board.BootInfo(tree.Release)); err != nil {
		return err
	}
	for _, d := range []string{"proc", "sys", "run", "newroot", "sbin"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	return initramfs.Write(dir, filepath.Join(o.Out, InitrdFile), o.Epoch)
}

func buildRoot(ctx context.Context, o Options, tree *kmods.Tree, dir string) error {
	names := append(append(append([]string{}, o.Board.RootModules...), o.Board.Modules...), board.EFIModules...)
	mods, err := tree.Select(o.Board.ModuleDirs, names)
	if err != nil {
		return err
	}
	if err := tree.Install(ctx, dir, mods); err != nil {
		return err
	}
	if err := rootSkeleton(dir, o); err != nil {
		return err
	}
	if err := writeBootInfo(dir, o.Board.BootInfo(tree.Release)); err != nil {
		return err
	}
	return squashfs.Write(ctx, dir, filepath.Join(o.Out, RootFile), o.Compression, o.Epoch)
}

func writeBootInfo(dir string, bi board.BootInfo) error {
	data, err := json.MarshalIndent(bi, "", "  ")
	if err != nil {
		return err
	}
	return writeFiles(dir, map[string]string{paths.BootInfo[1:]: string(data) + "\n"})
}
