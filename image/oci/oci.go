// Package oci writes container images as OCI image-layout archives (a tar
// of oci-layout, index.json and blobs/sha256/...) that containerd imports
// without a registry. An archive holds one image for one platform with one
// gzip layer, and is reproducible: the same files give the same bytes.
package oci

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	digest "github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// AnnotationImageName is the annotation containerd names an imported image
// by (its full reference).
const AnnotationImageName = "io.containerd.image.name"

// DefaultPath is the PATH of an image that sets none.
const DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Image describes what to write.
type Image struct {
	// Ref is the full reference, e.g. outpost.local/pause:1.0.
	Ref string
	// Arch is the GOARCH the image runs on (the OS is always linux).
	Arch       string
	Entrypoint []string
	Cmd        []string
	// Env is added after PATH (DefaultPath unless Env sets PATH itself).
	Env        []string
	WorkingDir string
	User       string
	// Files make up the layer.
	Files []File
}

// Result describes a written archive.
type Result struct {
	Path string
	// Archive is the archive file's size and digest.
	Archive  v1.Descriptor
	Manifest v1.Descriptor
	Config   v1.Descriptor
	Layer    v1.Descriptor
	DiffID   digest.Digest
}

// Write writes img as an OCI image-layout archive at path, through a
// temporary file in the same folder.
func Write(img Image, path string) (Result, error) {
	if err := img.check(); err != nil {
		return Result{}, err
	}
	dir := filepath.Dir(path)
	lay, err := writeLayer(img.Files, dir)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	defer os.Remove(lay.path)
	blobs, res, err := img.metadata(lay)
	if err != nil {
		return Result{}, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	res.Path = path
	if res.Archive, err = writeArchive(path, blobs, lay); err != nil {
		return Result{}, fmt.Errorf("image %s: %w", img.Ref, err)
	}
	return res, nil
}

func (img Image) check() error {
	if img.Ref == "" || img.Arch == "" {
		return fmt.Errorf("image needs a reference and an architecture (got %q, %q)", img.Ref, img.Arch)
	}
	if Tag(img.Ref) == "" {
		return fmt.Errorf("image reference %q has no tag (want NAME:TAG)", img.Ref)
	}
	return nil
}

// Tag returns the tag of a reference (after the last colon that follows
// the last slash), or "" when it has none.
func Tag(ref string) string {
	i := strings.LastIndex(ref, ":")
	if i < 0 || i < strings.LastIndex(ref, "/") {
		return ""
	}
	return ref[i+1:]
}

// entry is a small file of the archive (oci-layout, index.json, a JSON
// blob) or, when its name ends in a slash, a folder.
type entry struct {
	name string
	data []byte
}

// metadata makes the config, manifest and index for the layer.
func (img Image) metadata(lay layer) ([]entry, Result, error) {
	res := Result{Layer: lay.desc, DiffID: lay.diffID}
	platform := v1.Platform{Architecture: img.Arch, OS: "linux"}
	cfg := v1.Image{Platform: platform, Config: img.config(),
		RootFS: v1.RootFS{Type: "layers", DiffIDs: []digest.Digest{lay.diffID}}}
	cfgData, err := json.Marshal(cfg)
	if err != nil {
		return nil, res, err
	}
	res.Config = describe(v1.MediaTypeImageConfig, cfgData)
	man := v1.Manifest{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageManifest,
		Config: res.Config, Layers: []v1.Descriptor{lay.desc}}
	manData, err := json.Marshal(man)
	if err != nil {
		return nil, res, err
	}
	res.Manifest = describe(v1.MediaTypeImageManifest, manData)
	res.Manifest.Platform = &platform
	res.Manifest.Annotations = map[string]string{AnnotationImageName: img.Ref, v1.AnnotationRefName: Tag(img.Ref)}
	idx := v1.Index{Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: v1.MediaTypeImageIndex,
		Manifests: []v1.Descriptor{res.Manifest}}
	idxData, err := json.Marshal(idx)
	if err != nil {
		return nil, res, err
	}
	layout, _ := json.Marshal(v1.ImageLayout{Version: v1.ImageLayoutVersion})
	files := []entry{{v1.ImageLayoutFile, layout}, {v1.ImageIndexFile, idxData}, {"blobs/", nil}, {"blobs/sha256/", nil},
		{blobName(res.Config.Digest), cfgData}, {blobName(res.Manifest.Digest), manData}}
	return files, res, nil
}

func (img Image) config() v1.ImageConfig {
	env := img.Env
	hasPath := false
	for _, e := range env {
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
	}
	if !hasPath {
		env = append([]string{DefaultPath}, env...)
	}
	return v1.ImageConfig{User: img.User, Env: env, Entrypoint: img.Entrypoint, Cmd: img.Cmd, WorkingDir: img.WorkingDir}
}

func describe(mediaType string, data []byte) v1.Descriptor {
	return v1.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
}

// blobName is where a blob lives in the archive.
func blobName(d digest.Digest) string {
	return "blobs/" + d.Algorithm().String() + "/" + d.Encoded()
}
