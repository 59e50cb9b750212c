package airgap

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/outpost-os/outpost/image/deb"
	"github.com/outpost-os/outpost/services/baked"
)

var testCache = filepath.Join(os.TempDir(), "outpost-test-cache")

// busybox fetches busybox-static for amd64 from the Debian archive (once:
// the cache serves it afterwards).
func busybox(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("apt-get"); err != nil {
		t.Fatal("apt-get is needed (Debian host)")
	}
	ctx := context.Background()
	p, err := deb.Resolve(ctx, "busybox-static", "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if p, err = deb.Fetch(ctx, p, filepath.Join(testCache, "debs")); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(testCache, "unpacked", p.Name+"_"+p.Version+"_"+p.Arch)
	if err := deb.Extract(ctx, p, dir); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "bin/busybox")
}

func byRef(ref string) image {
	for _, img := range all() {
		if img.ref == ref {
			return img
		}
	}
	panic(ref)
}

// TestPauseAndWorkloadArchives builds the two small images for amd64 and
// reads them back; a second build must come from the cache.
func TestPauseAndWorkloadArchives(t *testing.T) {
	var compiled []string
	o := Options{Arch: "amd64", Cache: testCache, Busybox: busybox(t), Log: func(s string) { compiled = append(compiled, s) }}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, ref := range []string{baked.Pause, baked.Workload} {
		a, err := buildImage(t.Context(), o, byRef(ref), dir)
		if err != nil {
			t.Fatal(err)
		}
		if a.Ref != ref || a.Size == 0 || len(a.SHA256) != 64 || !strings.HasPrefix(a.Manifest, "sha256:") {
			t.Errorf("archive %+v", a)
		}
		t.Logf("%s: %d bytes", a.File, a.Size)
	}
	pause := readImage(t, filepath.Join(dir, "pause.tar"))
	if c := pause.config.Config; strings.Join(c.Entrypoint, " ") != "/pause" || c.User != "65535:65535" || pause.config.Architecture != "amd64" {
		t.Errorf("pause config = %+v", pause.config)
	}
	checkStatic(t, pause.files["pause"])
	work := readImage(t, filepath.Join(dir, "workload.tar"))
	if c := work.config.Config; strings.Join(c.Entrypoint, " ") != "/workload" || strings.Join(c.Env, " ") != "PATH=/bin" {
		t.Errorf("workload config = %+v", work.config.Config)
	}
	if !bytes.HasPrefix(work.files["bin/busybox"], []byte("\x7fELF")) || work.headers["bin/busybox"].Mode != 0o755 {
		t.Error("no busybox in the workload layer")
	}
	for _, a := range BusyboxApplets {
		if h := work.headers["bin/"+a]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "busybox" {
			t.Errorf("bin/%s: %+v", a, h)
		}
	}
	checkStatic(t, work.files["workload"])
	compiled = nil
	if _, err := buildImage(t.Context(), o, byRef(baked.Pause), dir); err != nil || len(compiled) != 0 {
		t.Errorf("warm build: %v, compiled %q", err, compiled)
	}
}

// checkStatic checks that a program needs no dynamic loader.
func checkStatic(t *testing.T, bin []byte) {
	t.Helper()
	if !bytes.HasPrefix(bin, []byte("\x7fELF")) || bytes.Contains(bin, []byte("/lib64/ld-linux")) {
		t.Error("not a static ELF program")
	}
}

// readImage reads an archive's config and layer.
type imageContent struct {
	config  v1.Image
	files   map[string][]byte
	headers map[string]*tar.Header
}

func readImage(t *testing.T, path string) imageContent {
	t.Helper()
	blobs := untar(t, mustOpen(t, path))
	var idx v1.Index
	var man v1.Manifest
	json.Unmarshal(blobs.files["index.json"], &idx)
	if len(idx.Manifests) != 1 {
		t.Fatalf("%s: index %s", path, blobs.files["index.json"])
	}
	json.Unmarshal(blobs.files["blobs/sha256/"+idx.Manifests[0].Digest.Encoded()], &man)
	var ic imageContent
	json.Unmarshal(blobs.files["blobs/sha256/"+man.Config.Digest.Encoded()], &ic.config)
	zr, err := gzip.NewReader(bytes.NewReader(blobs.files["blobs/sha256/"+man.Layers[0].Digest.Encoded()]))
	if err != nil {
		t.Fatal(err)
	}
	layer := untar(t, zr)
	ic.files, ic.headers = layer.files, layer.headers
	return ic
}

type tarContent struct {
	files   map[string][]byte
	headers map[string]*tar.Header
}

func untar(t *testing.T, r io.Reader) tarContent {
	t.Helper()
	c := tarContent{files: map[string][]byte{}, headers: map[string]*tar.Header{}}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return c
		}
		if err != nil {
			t.Fatal(err)
		}
		c.files[h.Name], _ = io.ReadAll(tr)
		c.headers[h.Name] = h
	}
}

func mustOpen(t *testing.T, path string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func TestFindSource(t *testing.T) {
	src, err := FindSource(".")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "image/baked/pause")); err != nil {
		t.Errorf("source tree %s: %v", src, err)
	}
	if _, err := FindSource(t.TempDir()); err == nil || !strings.Contains(err.Error(), "--source") {
		t.Errorf("err = %v", err)
	}
}

func TestCorednsModuleIsSeparate(t *testing.T) {
	src, err := FindSource(".")
	if err != nil {
		t.Fatal(err)
	}
	root, _ := os.ReadFile(filepath.Join(src, "go.mod"))
	nested, _ := os.ReadFile(filepath.Join(src, "image/baked/coredns/go.mod"))
	if strings.Contains(string(root), "github.com/coredns/coredns") || !strings.Contains(string(nested), "github.com/coredns/coredns v1.15.0") {
		t.Error("CoreDNS must be required by image/baked/coredns/go.mod only, at the version baked.CoreDNS names")
	}
	if !strings.HasSuffix(baked.CoreDNS, ":1.15.0") {
		t.Errorf("baked.CoreDNS = %s", baked.CoreDNS)
	}
}
