package oci

import (
	"archive/tar"
	"compress/gzip"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"sort"
	"strings"
	"time"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// File is one entry of an image's layer. Exactly one of Source, Data, Link
// and Dir says what it is.
type File struct {
	// Path in the image, slash-separated (a leading slash is dropped).
	Path string
	// Source is a regular file on this machine to copy.
	Source string
	// Data is the content of a small regular file made on the fly.
	Data []byte
	// Link makes the entry a symbolic link to Link.
	Link string
	// Dir makes the entry a folder.
	Dir bool
	// Mode holds the permission bits (with setuid, setgid, sticky). Zero
	// means those of Source, 0644 for Data, 0755 for folders, 0777 for
	// links.
	Mode fs.FileMode
}

// layer is a written layer blob.
type layer struct {
	path   string
	desc   v1.Descriptor
	diffID digest.Digest
}

// epoch is every entry's modification time.
var epoch = time.Unix(0, 0)

// writeLayer writes the files as a gzip tar into a temporary file in dir.
func writeLayer(files []File, dir string) (layer, error) {
	entries, err := normalize(files)
	if err != nil {
		return layer{}, err
	}
	f, err := os.CreateTemp(dir, ".layer-*")
	if err != nil {
		return layer{}, err
	}
	lay := layer{path: f.Name()}
	if err := writeTarGzip(f, entries, &lay); err != nil {
		f.Close()
		os.Remove(lay.path)
		return layer{}, err
	}
	if err := f.Close(); err != nil {
		os.Remove(lay.path)
		return layer{}, err
	}
	return lay, nil
}

func writeTarGzip(w io.Writer, entries []File, lay *layer) error {
	compressed, diff := digest.SHA256.Digester(), digest.SHA256.Digester()
	n := &counter{}
	gz := gzip.NewWriter(io.MultiWriter(w, compressed.Hash(), n))
	tw := tar.NewWriter(io.MultiWriter(gz, diff.Hash()))
	for _, e := range entries {
		if err := addEntry(tw, e); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	lay.diffID = diff.Digest()
	lay.desc = v1.Descriptor{MediaType: v1.MediaTypeImageLayerGzip, Digest: compressed.Digest(), Size: n.n}
	return nil
}

// normalize cleans the paths, adds missing parent folders, refuses
// duplicates and escapes, and sorts by path.
func normalize(files []File) ([]File, error) {
	byPath := map[string]File{}
	for _, f := range files {
		p := path.Clean("/" + f.Path)[1:]
		if p == "" || slices.Contains(strings.Split(f.Path, "/"), "..") {
			return nil, fmt.Errorf("layer entry %q: want a path inside the image", f.Path)
		}
		if _, dup := byPath[p]; dup {
			return nil, fmt.Errorf("layer entry %q appears twice", p)
		}
		f.Path = p
		byPath[p] = f
	}
	for p := range byPath {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := byPath[d]; !ok {
				byPath[d] = File{Path: d, Dir: true}
			}
		}
	}
	out := make([]File, 0, len(byPath))
	for _, f := range byPath {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func addEntry(tw *tar.Writer, f File) error {
	h := &tar.Header{Name: f.Path, ModTime: epoch, Mode: tarMode(f.Mode)}
	switch {
	case f.Dir:
		h.Typeflag, h.Name = tar.TypeDir, f.Path+"/"
		return writeHeader(tw, h, 0o755)
	case f.Link != "":
		h.Typeflag, h.Linkname = tar.TypeSymlink, f.Link
		return writeHeader(tw, h, 0o777)
	case f.Source == "":
		h.Typeflag, h.Size = tar.TypeReg, int64(len(f.Data))
		if err := writeHeader(tw, h, 0o644); err != nil {
			return err
		}
		_, err := tw.Write(f.Data)
		return err
	}
	return addSource(tw, h, f.Source)
}

func addSource(tw *tar.Writer, h *tar.Header, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("layer entry %s: %s is not a regular file", h.Name, src)
	}
	h.Typeflag, h.Size = tar.TypeReg, st.Size()
	if err := writeHeader(tw, h, tarMode(st.Mode())); err != nil {
		return err
	}
	if _, err := io.CopyN(tw, in, st.Size()); err != nil {
		return fmt.Errorf("layer entry %s from %s: %w", h.Name, src, err)
	}
	return nil
}

// writeHeader writes h, with mode def when h has none.
func writeHeader(tw *tar.Writer, h *tar.Header, def int64) error {
	if h.Mode == 0 {
		h.Mode = def
	}
	return tw.WriteHeader(h)
}

// tarMode turns permission and special bits into tar's mode field.
func tarMode(m fs.FileMode) int64 {
	mode := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		mode |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		mode |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		mode |= 0o1000
	}
	return mode
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
