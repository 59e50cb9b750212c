package oci

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	digest "github.com/opencontainers/go-digest"
	v1 "github.com/opencontainers/image-spec/specs-go/v1"
)

// testImage is a small image of a folder on disk plus made-up entries.
func testImage(t *testing.T) Image {
	t.Helper()
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "bin"), 0o755)
	os.WriteFile(filepath.Join(src, "bin/tool"), []byte("#!tool\n"), 0o755)
	os.WriteFile(filepath.Join(src, "bin/data"), []byte("data"), 0o600)
	os.Symlink("tool", filepath.Join(src, "bin/alias"))
	files, err := DirFiles(src, "")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, File{Path: "/etc/motd", Data: []byte("hi\n")}, File{Path: "tmp", Dir: true, Mode: 0o777 | os.ModeSticky})
	return Image{Ref: "outpost.local/test:2.0", Arch: "arm64", Entrypoint: []string{"/bin/tool"},
		Cmd: []string{"-v"}, WorkingDir: "/", Env: []string{"A=b"}, Files: files}
}

// archive is an image-layout tar read back into memory.
type archive map[string][]byte

func readArchive(t *testing.T, path string) (archive, []string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a, names := archive{}, []string(nil)
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return a, names
		}
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(tr)
		a[h.Name] = data
		names = append(names, h.Name)
	}
}

// blob returns a blob, checking its digest and size against desc.
func (a archive) blob(t *testing.T, desc v1.Descriptor) []byte {
	t.Helper()
	data, ok := a[blobName(desc.Digest)]
	if !ok {
		t.Fatalf("no blob %s", desc.Digest)
	}
	if digest.FromBytes(data) != desc.Digest || int64(len(data)) != desc.Size {
		t.Fatalf("blob %s: digest %s, size %d; descriptor says size %d", desc.Digest, digest.FromBytes(data), len(data), desc.Size)
	}
	return data
}

func TestWriteReadBack(t *testing.T) {
	img := testImage(t)
	path := filepath.Join(t.TempDir(), "test.tar")
	res, err := Write(img, path)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := readArchive(t, path)
	if string(a["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Errorf("oci-layout = %s", a["oci-layout"])
	}
	var idx v1.Index
	if err := json.Unmarshal(a["index.json"], &idx); err != nil || len(idx.Manifests) != 1 {
		t.Fatalf("index.json: %v, %s", err, a["index.json"])
	}
	md := idx.Manifests[0]
	if md.Annotations[AnnotationImageName] != img.Ref || md.Annotations[v1.AnnotationRefName] != "2.0" {
		t.Errorf("annotations = %v", md.Annotations)
	}
	if md.Platform == nil || md.Platform.Architecture != "arm64" || md.Platform.OS != "linux" || md.Digest != res.Manifest.Digest {
		t.Errorf("manifest descriptor = %+v", md)
	}
	var man v1.Manifest
	json.Unmarshal(a.blob(t, md), &man)
	if man.SchemaVersion != 2 || man.MediaType != v1.MediaTypeImageManifest || len(man.Layers) != 1 || man.Layers[0].MediaType != v1.MediaTypeImageLayerGzip {
		t.Fatalf("manifest = %+v", man)
	}
	var cfg v1.Image
	json.Unmarshal(a.blob(t, man.Config), &cfg)
	checkConfig(t, cfg, img)
	layer := a.blob(t, man.Layers[0])
	raw := gunzip(t, layer)
	if len(cfg.RootFS.DiffIDs) != 1 || cfg.RootFS.DiffIDs[0] != digest.FromBytes(raw) || res.DiffID != cfg.RootFS.DiffIDs[0] {
		t.Errorf("diff_ids = %v, sha256 of the layer is %s", cfg.RootFS.DiffIDs, digest.FromBytes(raw))
	}
	if data, _ := os.ReadFile(path); int64(len(data)) != res.Archive.Size || digest.FromBytes(data) != res.Archive.Digest {
		t.Errorf("result %+v, file %d bytes, %s", res.Archive, len(data), digest.FromBytes(data))
	}
	checkLayer(t, raw)
}

func checkConfig(t *testing.T, cfg v1.Image, img Image) {
	t.Helper()
	if cfg.Architecture != "arm64" || cfg.OS != "linux" || cfg.RootFS.Type != "layers" {
		t.Errorf("config platform = %+v", cfg)
	}
	c := cfg.Config
	if strings.Join(c.Entrypoint, " ") != "/bin/tool" || strings.Join(c.Cmd, " ") != "-v" || c.WorkingDir != "/" {
		t.Errorf("config = %+v", c)
	}
	if len(c.Env) != 2 || c.Env[0] != DefaultPath || c.Env[1] != "A=b" {
		t.Errorf("env = %q", c.Env)
	}
	if cfg.Created != nil {
		t.Errorf("config has a creation time (not reproducible): %v", cfg.Created)
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func checkLayer(t *testing.T, raw []byte) {
	t.Helper()
	tr := tar.NewReader(bytes.NewReader(raw))
	got := map[string]*tar.Header{}
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.ModTime.Unix() != 0 || h.Uid != 0 || h.Gid != 0 || h.Uname != "" {
			t.Errorf("%s: mtime %v uid %d gid %d uname %q", h.Name, h.ModTime, h.Uid, h.Gid, h.Uname)
		}
		got[h.Name] = h
		names = append(names, h.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("entries not sorted: %q", names)
	}
	want := map[string]int64{"bin/": 0o755, "bin/alias": 0o777, "bin/data": 0o600, "bin/tool": 0o755, "etc/": 0o755, "etc/motd": 0o644, "tmp/": 0o1777}
	if len(got) != len(want) {
		t.Errorf("entries %q, want %d", names, len(want))
	}
	for name, mode := range want {
		if h := got[name]; h == nil || h.Mode != mode {
			t.Errorf("%s: %+v, want mode %o", name, h, mode)
		}
	}
	if h := got["bin/alias"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "tool" {
		t.Errorf("link: %+v", h)
	}
}

func TestWriteIsReproducible(t *testing.T) {
	img := testImage(t)
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	if _, err := Write(img, a); err != nil {
		t.Fatal(err)
	}
	if _, err := Write(img, b); err != nil {
		t.Fatal(err)
	}
	da, _ := os.ReadFile(a)
	db, _ := os.ReadFile(b)
	if !bytes.Equal(da, db) {
		t.Error("two builds of one image differ")
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(left) != 0 {
		t.Errorf("temporary files left: %q", left)
	}
}

func TestWriteRefusesBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "x.tar")
	cases := map[string]Image{
		"no tag":    {Ref: "outpost.local/x", Arch: "amd64"},
		"port only": {Ref: "localhost:5000/x", Arch: "amd64"},
		"no arch":   {Ref: "x:1"},
		"escape":    {Ref: "x:1", Arch: "amd64", Files: []File{{Path: "../etc/passwd", Data: nil}}},
		"twice":     {Ref: "x:1", Arch: "amd64", Files: []File{{Path: "a", Dir: true}, {Path: "/a", Dir: true}}},
		"missing":   {Ref: "x:1", Arch: "amd64", Files: []File{{Path: "a", Source: "/nonexistent"}}},
	}
	for name, img := range cases {
		if _, err := Write(img, out); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := os.Stat(out); err == nil {
		t.Error("a refused image left an archive")
	}
}

func TestTag(t *testing.T) {
	for ref, want := range map[string]string{"outpost.local/pause:1.0": "1.0", "a:b": "b", "host:5000/x": "", "x": ""} {
		if got := Tag(ref); got != want {
			t.Errorf("Tag(%q) = %q, want %q", ref, got, want)
		}
	}
}
