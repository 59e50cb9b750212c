package slots

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// The files of an image folder an upgrade reads.
const (
	ManifestFile = "manifest.json"
	KernelFile   = "kernel"
	InitrdFile   = "initrd"
	RootFile     = "rootfs.squashfs"
)

// Manifest is what an upgrade reads of an image's manifest.json.
type Manifest struct {
	Version   string              `json:"version"`
	Board     string              `json:"board"`
	Arch      string              `json:"arch"`
	Artifacts map[string]Artifact `json:"artifacts"`
}

// Artifact is one file of an image: its size and SHA-256.
type Artifact struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Image is an image folder as outpost image build writes it.
type Image struct {
	Dir      string
	Manifest Manifest
}

// slotFiles are the files an upgrade writes into a slot.
var slotFiles = []string{KernelFile, InitrdFile, RootFile}

// ReadImage reads an image folder's manifest.
func ReadImage(dir string) (Image, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return Image{}, fmt.Errorf("image %s: %w (an image folder as 'outpost image build' writes it)", dir, err)
	}
	im := Image{Dir: dir}
	if err := json.Unmarshal(data, &im.Manifest); err != nil {
		return Image{}, fmt.Errorf("image %s: %s: %w", dir, ManifestFile, err)
	}
	return im, nil
}

// Check refuses an image for another board or architecture, or one whose
// manifest lacks a file a slot needs.
func (im Image) Check(board, arch string) error {
	m := im.Manifest
	if m.Board != board || m.Arch != arch {
		return fmt.Errorf("image %s is for board %s (%s); this node is %s (%s): build the image for its board", im.Dir, m.Board, m.Arch, board, arch)
	}
	if m.Version == "" {
		return fmt.Errorf("image %s: its manifest names no version", im.Dir)
	}
	for _, name := range slotFiles {
		a, ok := m.Artifacts[name]
		if !ok || len(a.SHA256) != sha256.Size*2 {
			return fmt.Errorf("image %s: its manifest has no SHA-256 for %s", im.Dir, name)
		}
	}
	return nil
}

// Verify reads every file a slot needs and compares it with the manifest.
func (im Image) Verify(ctx context.Context) error {
	for _, name := range slotFiles {
		f, err := os.Open(filepath.Join(im.Dir, name))
		if err != nil {
			return fmt.Errorf("image %s: %w", im.Dir, err)
		}
		err = im.copyChecked(ctx, io.Discard, f, name)
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// copyChecked copies the image's file name from r to w and fails unless
// its size and SHA-256 are the manifest's.
func (im Image) copyChecked(ctx context.Context, w io.Writer, r io.Reader, name string) error {
	want := im.Manifest.Artifacts[name]
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(ctxReader{ctx, r}, want.Size+1))
	if err != nil {
		return fmt.Errorf("image %s: copy %s: %w", im.Dir, name, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != want.Size || got != want.SHA256 {
		return fmt.Errorf("image %s: %s does not match its manifest (%d bytes, SHA-256 %s; the manifest says %d bytes, %s): the image is damaged or was changed, copy it again",
			im.Dir, name, n, got, want.Size, want.SHA256)
	}
	return nil
}

// ctxReader stops a copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
