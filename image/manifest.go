package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/image/airgap"
	"github.com/outpost-os/outpost/image/deb"
)

// Manifest records what an image is made of.
type Manifest struct {
	Board         string              `json:"board"`
	KernelVersion string              `json:"kernel_version"`
	Compression   string              `json:"squashfs_compression"`
	Built         time.Time           `json:"built"`
	Artifacts     map[string]Artifact `json:"artifacts"`
	Packages      []deb.Package       `json:"packages"`
	// Images are the container image archives in the root image.
	Images []airgap.Archive `json:"images,omitempty"`
}

// Artifact is one output file.
type Artifact struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func newManifest(o Options, k kernel) (*Manifest, error) {
	m := &Manifest{Board: o.Board.Name, KernelVersion: k.release, Compression: o.Compression,
		Built: time.Now().UTC().Truncate(time.Second), Artifacts: map[string]Artifact{},
		Packages: []deb.Package{k.meta, k.pkg}}
	for _, name := range []string{KernelFile, InitrdFile, RootFile} {
		a, err := describe(filepath.Join(o.Out, name))
		if err != nil {
			return nil, fmt.Errorf("manifest: %w", err)
		}
		m.Artifacts[name] = a
	}
	return m, nil
}

func describe(path string) (Artifact, error) {
	f, err := os.Open(path)
	if err != nil {
		return Artifact{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Write stores the manifest as JSON through a temporary file.
func (m *Manifest) Write(path string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return os.Rename(tmp, path)
}

// ReadManifest reads an image's manifest, checking that each artifact is
// there with the recorded size.
func ReadManifest(dir string) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return nil, fmt.Errorf("no image in %s: %w (build one with 'outpost image build' or make image)", dir, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("manifest in %s: %w", dir, err)
	}
	for name, a := range m.Artifacts {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("image in %s lacks %s: %w; rebuild it", dir, name, err)
		}
		if st.Size() != a.Size {
			return nil, fmt.Errorf("image in %s: %s is %d bytes, the manifest says %d; rebuild it", dir, name, st.Size(), a.Size)
		}
	}
	return &m, nil
}
