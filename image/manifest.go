package image

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/image/airgap"
	"github.com/outpost-os/outpost/image/deb"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/slots"
)

// Manifest records what an image is made of. It holds no build time: two
// builds of one commit give the same manifest.
type Manifest struct {
	// Version and Commit are Outpost's; Board and Arch (GOARCH) are what
	// the image runs on, which an upgrade checks.
	Version       string              `json:"version"`
	Commit        string              `json:"commit,omitempty"`
	Board         string              `json:"board"`
	Arch          string              `json:"arch"`
	KernelVersion string              `json:"kernel_version"`
	Compression   string              `json:"squashfs_compression"`
	Artifacts     map[string]Artifact `json:"artifacts"`
	// Disk is disk.img's partition table.
	Disk     *disk.Table   `json:"disk,omitempty"`
	Packages []deb.Package `json:"packages"`
	// Images are the container image archives in the root image.
	Images []airgap.Archive `json:"images,omitempty"`
}

// Artifact is one output file: its size and SHA-256, as an upgrade checks
// them.
type Artifact = slots.Artifact

func newManifest(o Options, k kernel, t disk.Table) (*Manifest, error) {
	m := &Manifest{Version: o.Version, Commit: o.Commit, Board: o.Board.Name, Arch: o.Board.GoArch,
		KernelVersion: k.release, Compression: o.Compression, Artifacts: map[string]Artifact{},
		Disk: &t, Packages: []deb.Package{k.meta, k.pkg}}
	for _, name := range []string{KernelFile, InitrdFile, RootFile, DiskFile, BmapFile} {
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

// Write stores the manifest as JSON, atomically.
func (m *Manifest) Write(path string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := atomicfile.Write(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("manifest: %w", err)
	}
	return nil
}

// ReadManifest reads an image's manifest, checking that each artifact is
// there with the recorded size; disk.img and its block map are only
// checked to be there, since booting the disk (image run --disk) writes
// to it and may grow it.
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
		if st.Size() != a.Size && name != DiskFile && name != BmapFile {
			return nil, fmt.Errorf("image in %s: %s is %d bytes, the manifest says %d; rebuild it", dir, name, st.Size(), a.Size)
		}
	}
	return &m, nil
}
