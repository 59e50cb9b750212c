// Package preload imports image archives (OCI layouts or docker save
// archives, as *.tar) into containerd for the node's platform, unpacks them
// into the snapshotter and pins them, so that the kubelet finds them through
// CRI and never garbage-collects them. It speaks containerd's client API, so
// only the outpost-runtime build (-tags containerd) links it; the role
// process runs that build's images-import command (see services/containerd).
package preload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/core/images"
	"github.com/containerd/containerd/v2/pkg/archive/compression"
	"github.com/containerd/errdefs"
	"github.com/containerd/platforms"
	"github.com/distribution/reference"

	"github.com/outpost-os/outpost/services/paths"
)

// Defaults of Options.
const (
	DefaultAddress     = paths.ContainerdSocket
	DefaultNamespace   = "k8s.io" // the namespace CRI (and so the kubelet) uses
	DefaultSnapshotter = "overlayfs"
	DefaultTimeout     = 30 * time.Second
)

// The labels CRI reads on an image record (containerd's
// internal/cri/labels): managed images are CRI's own, pinned ones are never
// removed by the kubelet's image garbage collection.
const (
	LabelManaged = "io.cri-containerd.image"
	ValueManaged = "managed"
	LabelPinned  = "io.cri-containerd.pinned"
	ValuePinned  = "pinned"
)

// Options say where and how to import.
type Options struct {
	Address     string
	Namespace   string
	Snapshotter string
	// Timeout bounds connecting to containerd.
	Timeout time.Duration
	// Out, when set, gets one line for each image imported.
	Out io.Writer
}

func (o *Options) defaults() {
	if o.Address == "" {
		o.Address = DefaultAddress
	}
	if o.Namespace == "" {
		o.Namespace = DefaultNamespace
	}
	if o.Snapshotter == "" {
		o.Snapshotter = DefaultSnapshotter
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
}

// Import imports every *.tar in the given folders (or the given archives
// themselves), in name order. A folder that does not exist holds nothing. A
// bad archive does not stop the others: the error names each that failed.
// Importing an archive again changes nothing.
func Import(ctx context.Context, o Options, paths ...string) error {
	o.defaults()
	archives, errs := archivesIn(paths)
	if len(archives) == 0 {
		return errors.Join(errs...)
	}
	client, err := containerd.New(o.Address,
		containerd.WithTimeout(o.Timeout),
		containerd.WithDefaultNamespace(o.Namespace),
		containerd.WithDefaultPlatform(platforms.DefaultStrict()))
	if err != nil {
		return errors.Join(append(errs, fmt.Errorf("connect to containerd at %s: %w", o.Address, err))...)
	}
	defer client.Close()
	for _, a := range archives {
		names, err := importFile(ctx, client, o.Snapshotter, a)
		if err != nil {
			errs = append(errs, fmt.Errorf("import %s: %w", a, err))
			continue
		}
		for _, n := range names {
			fmt.Fprintf(o.Out, "imported %s from %s (unpacked into %s, pinned)\n", n, a, o.Snapshotter)
		}
	}
	return errors.Join(errs...)
}

// archivesIn lists the archives in paths: *.tar files of each folder, or a
// path itself when it is a file.
func archivesIn(paths []string) ([]string, []error) {
	var out []string
	var errs []error
	for _, p := range paths {
		st, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		found, err := filepath.Glob(filepath.Join(p, "*.tar"))
		if err != nil {
			errs = append(errs, fmt.Errorf("list %s: %w", p, err))
			continue
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, errs
}

// importFile imports one archive for the client's platform, unpacks each
// image it names and labels it managed and pinned under its name, its
// digest reference and its ID (the config digest), as a CRI pull would.
func importFile(ctx context.Context, client *containerd.Client, snapshotter, path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, err := compression.DecompressStream(f)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	// The lease keeps the imported content until the images reference it.
	ctx, done, err := client.WithLease(ctx)
	if err != nil {
		return nil, err
	}
	defer done(context.WithoutCancel(ctx))
	imgs, err := client.Import(ctx, r,
		containerd.WithImportPlatform(platforms.DefaultStrict()),
		containerd.WithImageRefTranslator(refName),
		containerd.WithSkipMissing())
	if err != nil {
		return nil, err
	}
	var names []string
	for _, img := range imgs {
		if img.Name == "" {
			continue
		}
		if err := pin(ctx, client, snapshotter, img); err != nil {
			return names, fmt.Errorf("image %s: %w", img.Name, err)
		}
		names = append(names, img.Name)
	}
	if len(names) == 0 {
		return nil, errors.New("the archive names no image (index.json needs an io.containerd.image.name or a full org.opencontainers.image.ref.name annotation, a docker archive RepoTags)")
	}
	return names, nil
}

// pin unpacks img and gives it the CRI labels under every name CRI uses.
func pin(ctx context.Context, client *containerd.Client, snapshotter string, img images.Image) error {
	image := containerd.NewImage(client, img)
	if err := image.Unpack(ctx, snapshotter); err != nil {
		return fmt.Errorf("unpack into %s: %w", snapshotter, err)
	}
	config, err := image.Config(ctx)
	if err != nil {
		return err
	}
	refs := []string{img.Name, config.Digest.String()}
	if named, err := reference.ParseNormalizedNamed(img.Name); err == nil {
		if d, err := reference.WithDigest(reference.TrimNamed(named), img.Target.Digest); err == nil {
			refs = append(refs, d.String())
		}
	}
	store := client.ImageService()
	labels := map[string]string{LabelManaged: ValueManaged, LabelPinned: ValuePinned}
	for _, ref := range refs {
		rec := images.Image{Name: ref, Target: img.Target, Labels: labels}
		if _, err := store.Update(ctx, rec, "target", "labels."+LabelManaged, "labels."+LabelPinned); err == nil {
			continue
		} else if !errdefs.IsNotFound(err) {
			return fmt.Errorf("label %s: %w", ref, err)
		}
		if _, err := store.Create(ctx, rec); err != nil && !errdefs.IsAlreadyExists(err) {
			return fmt.Errorf("create %s: %w", ref, err)
		}
	}
	return nil
}

// refName turns an OCI layout's org.opencontainers.image.ref.name into an
// image name. The spec allows a bare tag there ("1.0"), which names no
// repository: such entries are skipped, as are names that do not parse.
func refName(name string) string {
	if !strings.ContainsAny(name, "/:@") {
		return ""
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil {
		return ""
	}
	return reference.TagNameOnly(named).String()
}
