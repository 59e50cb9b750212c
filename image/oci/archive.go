package oci

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// writeArchive writes the image-layout tar: the small entries in their
// order (oci-layout, index.json, the blobs folders, config, manifest), then
// the layer.
func writeArchive(path string, small []entry, lay layer) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".oci-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name())
	n := &counter{}
	tw := tar.NewWriter(io.MultiWriter(tmp, n))
	if err := writeEntries(tw, small, lay); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tw.Close(); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	return n.n, os.Rename(tmp.Name(), path)
}

func writeEntries(tw *tar.Writer, small []entry, lay layer) error {
	for _, e := range small {
		h := &tar.Header{Name: e.name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e.data)), ModTime: epoch}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(e.data); err != nil {
			return err
		}
	}
	return addFile(tw, blobName(lay.desc.Digest), lay.path, lay.desc.Size)
}

// addFile copies a file of known size into the archive as name.
func addFile(tw *tar.Writer, name, src string, size int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: size, ModTime: epoch}); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, in, size); err != nil {
		return fmt.Errorf("copy layer into archive: %w", err)
	}
	return nil
}
