package metadata

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/diskfs/go-diskfs/backend"
	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem"
	"github.com/diskfs/go-diskfs/filesystem/fat12"
	"github.com/diskfs/go-diskfs/filesystem/fat16"
	"github.com/diskfs/go-diskfs/filesystem/fat32"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"
	"golang.org/x/sys/unix"
)

// OpenVolume gives read access to the files of v and a function to release
// it. It mounts the device read-only under mountDir; when the kernel cannot
// mount it (no iso9660/vfat support loaded, or v is an image file rather
// than a block device) it reads the file system in user space instead.
func OpenVolume(v *Volume, mountDir string) (fs.FS, func(), error) {
	fsys, release, mountErr := mountVolume(v, mountDir)
	if mountErr == nil {
		return fsys, release, nil
	}
	fsys, release, err := readVolume(v)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: mount failed (%v) and so did reading it directly: %w", v.Device, mountErr, err)
	}
	slog.Debug("metadata volume read without mounting", "device", v.Device, "mount_error", mountErr)
	return fsys, release, nil
}

func mountVolume(v *Volume, mountDir string) (fs.FS, func(), error) {
	if err := os.MkdirAll(mountDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", mountDir, err)
	}
	dir, err := os.MkdirTemp(mountDir, v.Label+"-")
	if err != nil {
		return nil, nil, fmt.Errorf("create mount point in %s: %w", mountDir, err)
	}
	flags := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount(v.Device, dir, v.FSType, flags, ""); err != nil {
		os.Remove(dir)
		return nil, nil, fmt.Errorf("mount %s (%s) on %s: %w", v.Device, v.FSType, dir, err)
	}
	release := func() {
		if err := unix.Unmount(dir, 0); err != nil {
			slog.Warn("unmount metadata volume", "dir", dir, "err", err)
			unix.Unmount(dir, unix.MNT_DETACH)
		}
		os.Remove(dir)
	}
	return os.DirFS(dir), release, nil
}

// readVolume reads the file system with go-diskfs.
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
