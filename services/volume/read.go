package volume

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/diskfs/go-diskfs/backend"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/fat12"
	"github.com/diskfs/go-diskfs/filesystem/fat16"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"
)

// readVolume reads the file system with go-diskfs, in user space.
func readVolume(v *Volume) (fs.FS, func(), error) {
	f, err := os.Open(v.Device)
	if err != nil {
		return nil, nil, err
	}
	size, err := f.Seek(0, io.SeekEnd) // works for block devices too
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("size of %s: %w", v.Device, err)
	}
	fsys, err := readFS(file.New(f, true), v.FSType, size)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return fsys, func() { f.Close() }, nil
}

func readFS(b backend.Storage, fstype string, size int64) (filesystem.FileSystem, error) {
	if fstype == FSISO9660 {
		return iso9660.Read(b, size, 0, 0)
	}
	readers := []func(backend.Storage, int64, int64, int64) (filesystem.FileSystem, error){
		func(b backend.Storage, size, start, bs int64) (filesystem.FileSystem, error) {
			return fat32.Read(b, size, start, bs)
		},
		func(b backend.Storage, size, start, bs int64) (filesystem.FileSystem, error) {
			return fat16.Read(b, size, start, bs)
		},
		func(b backend.Storage, size, start, bs int64) (filesystem.FileSystem, error) {
			return fat12.Read(b, size, start, bs)
		},
	}
	var errs []error
	for _, read := range readers {
		f, err := read(b, size, 0, 0)
		if err == nil {
			return f, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("not a FAT12/16/32 file system: %w", errors.Join(errs...))
}
