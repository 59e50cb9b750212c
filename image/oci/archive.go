package oci

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"strings"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// writeArchive writes the image-layout tar: the small entries in their
// order (oci-layout, index.json, the blobs folders, config, manifest), then
// the layer. It returns the archive's size and digest.
func writeArchive(path string, small []entry, lay layer) (v1.Descriptor, error) {
	f, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return v1.Descriptor{}, err
	}
	defer f.Abort()
	n, sum := &counter{}, digest.SHA256.Digester()
	tw := tar.NewWriter(io.MultiWriter(f, n, sum.Hash()))
	err = writeEntries(tw, small, lay)
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = f.Commit()
	}
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: "application/x-tar", Digest: sum.Digest(), Size: n.n}, nil
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
