package initramfs

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/u-root/u-root/pkg/cpio"
)

func TestWriteReadBack(t *testing.T) {
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "lib/modules/6.1/kernel"), 0o755)
	os.WriteFile(filepath.Join(src, "init"), []byte("#!binary"), 0o755)
	os.WriteFile(filepath.Join(src, "lib/modules/6.1/modules.dep"), []byte("kernel/a.ko:\n"), 0o644)
	os.Symlink("init", filepath.Join(src, "linuxrc"))
	dst := filepath.Join(t.TempDir(), "initrd")
	if err := Write(src, dst, time.Unix(1767225600, 0)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := cpio.ReadAllRecords(cpio.Newc.Reader(bytesReaderAt(data)))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]cpio.Record{}
	for _, r := range recs {
		got[r.Name] = r
	}
	if r, ok := got["init"]; !ok || r.Mode&0o777 != 0o755 || r.UID != 0 {
		t.Errorf("init record = %+v", r.Info)
	}
	if r, ok := got["dev/console"]; !ok || r.Mode&cpio.S_IFMT != cpio.S_IFCHR || r.Rmajor != 5 || r.Rminor != 1 {
		t.Errorf("dev/console record = %+v", r.Info)
	}
	if r, ok := got["linuxrc"]; !ok || r.Mode&cpio.S_IFMT != cpio.S_IFLNK {
		t.Errorf("symlink record = %+v", r.Info)
	}
	if _, ok := got["lib/modules/6.1/modules.dep"]; !ok {
		t.Error("modules.dep missing")
	}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
