// Package airgap builds the container images every root image carries, from
// source and with no registry: the pod sandbox (pause), CoreDNS and the
// test workload, as OCI archives for the board's architecture that
// containerd imports at boot. Binaries are compiled with the go command and
// cached by a hash of their sources, so a warm build compiles nothing.
package airgap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/image/oci"
)

// Options say what to build.
type Options struct {
	// Source is Outpost's source tree (FindSource finds it).
	Source string
	// Arch is the GOARCH of the images.
	Arch string
	// Cache keeps compiled binaries (under gobuild/).
	Cache string
	// Busybox is a static busybox for Arch, for the workload image.
	Busybox string
	// Go is the go command (default "go").
	Go string
	// Log, when set, hears what takes time.
	Log func(string)
}

// Archive is one written image archive.
type Archive struct {
	Ref      string `json:"ref"`
	File     string `json:"file"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Manifest string `json:"manifest_digest"`
}

// Build writes every image's archive into dir.
func Build(ctx context.Context, o Options, dir string) ([]Archive, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var out []Archive
	for _, img := range all() {
		a, err := buildImage(ctx, o, img, dir)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func buildImage(ctx context.Context, o Options, img image, dir string) (Archive, error) {
	bin, err := goBuild(ctx, o, img.program)
	if err != nil {
		return Archive{}, err
	}
	spec := img.layout(bin, o.Busybox)
	spec.Ref, spec.Arch = img.ref, o.Arch
	res, err := oci.Write(spec, filepath.Join(dir, img.file))
	if err != nil {
		return Archive{}, err
	}
	return Archive{Ref: img.ref, File: img.file, Size: res.Archive.Size, SHA256: res.Archive.Digest.Encoded(),
		Manifest: res.Manifest.Digest.String()}, nil
}

func (o *Options) check() error {
	if o.Arch == "" || o.Cache == "" {
		return fmt.Errorf("container images: need an architecture and a cache folder")
	}
	if _, err := os.Stat(o.Busybox); err != nil {
		return fmt.Errorf("container images: busybox for the workload image: %w", err)
	}
	var err error
	if o.Source == "" {
		if o.Source, err = FindSource("."); err != nil {
			return err
		}
	}
	if o.Source, err = filepath.Abs(o.Source); err != nil {
		return err
	}
	o.Cache, err = filepath.Abs(o.Cache)
	return err
}

func (o Options) goCommand() string {
	if o.Go != "" {
		return o.Go
	}
	return "go"
}

func (o Options) log(s string) {
	if o.Log != nil {
		o.Log(s)
	}
}

// module is the first line of Outpost's go.mod.
const module = "module github.com/outpost-os/outpost\n"

// FindSource finds Outpost's source tree at dir or above it: the folder
// whose go.mod is Outpost's module.
func FindSource(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := abs; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil && strings.HasPrefix(string(b), module) {
			return d, nil
		}
		if d == filepath.Dir(d) {
			return "", fmt.Errorf("no Outpost source tree at or above %s: the container images are built from source; run the build from the checkout (make image does) or pass --source", abs)
		}
	}
}
