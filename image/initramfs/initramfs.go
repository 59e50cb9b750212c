// Package initramfs writes the stage-1 initramfs: a newc cpio archive
// (u-root's cpio package) of a staging folder plus the device nodes the
// kernel needs before devtmpfs is mounted, gzip-compressed.
package initramfs

import (
	"compress/gzip"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"

	"github.com/u-root/u-root/pkg/cpio"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Write archives the folder src into a compressed initramfs at dst, written
// to a temporary file and renamed, so dst is never half-written.
func Write(src, dst string, epoch time.Time) error {
	f, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return fmt.Errorf("initramfs: %w", err)
	}
	defer f.Abort()
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := cpio.Newc.Writer(zw)
	if err := writeTree(w, src, epoch); err != nil {
		return fmt.Errorf("initramfs from %s: %w", src, err)
	}
	if err := cpio.WriteTrailer(w); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return f.Commit()
}

// writeTree writes every file of src (names relative to it, owned by root,
// every time the build's epoch, for reproducible archives) and
// /dev/console.
func writeTree(w cpio.RecordWriter, src string, epoch time.Time) error {
	rec := cpio.NewRecorder()
	var records []cpio.Record
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil || rel == "." {
			return err
		}
		r, err := rec.GetRecord(path)
		if err != nil {
			return err
		}
		r.Name = rel
		r = cpio.MakeReproducible(r)
		r.MTime = uint64(epoch.Unix())
		records = append(records, r)
		return nil
	})
	if err != nil {
		return err
	}
	records = append(records, cpio.Directory("dev", 0o755), cpio.CharDev("dev/console", 0o600, 5, 1))
	return cpio.WriteRecordsAndDirs(w, records)
}
