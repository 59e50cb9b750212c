package volume

import (
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"golang.org/x/sys/unix"
)

// Open gives read access to the files of v and a function to release it.
// It mounts the device read-only under mountDir; when the kernel cannot
// mount it (no iso9660/vfat support loaded, or v is an image file rather
// than a block device) it reads the file system in user space instead.
func Open(v *Volume, mountDir string) (fs.FS, func(), error) {
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

// mountVolume mounts v on a folder of its own under mountDir.
func mountVolume(v *Volume, mountDir string) (fs.FS, func(), error) {
	if err := os.MkdirAll(mountDir, 0o700); err != nil {
		return nil, nil, fmt.Errorf("create %s: %w", mountDir, err)
	}
	dir, err := os.MkdirTemp(mountDir, v.Label+"-")
	if err != nil {
		return nil, nil, fmt.Errorf("create mount point in %s: %w", mountDir, err)
	}
	unmount, err := mountReadOnly(v.Device, v.FSType, dir)
	if err != nil {
		os.Remove(dir)
		return nil, nil, fmt.Errorf("mount %s (%s) on %s: %w", v.Device, v.FSType, dir, err)
	}
	release := func() {
		unmount()
		os.Remove(dir)
	}
	return os.DirFS(dir), release, nil
}

// mountReadOnly is the package's one mount: read-only, without setuid,
// devices or programs, for the time the volume is read. The function it
// returns unmounts, lazily when the file system is still busy.
//
// It is not PID 1's mount helper (init/mounts.Do): that one makes its
// target and takes EBUSY for "already mounted", right for PID 1's fixed
// table but wrong here, where a busy device must fall back to reading it
// in user space.
func mountReadOnly(dev, fstype, dir string) (unmount func(), err error) {
	flags := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC)
	if err := unix.Mount(dev, dir, fstype, flags, ""); err != nil {
		return nil, err
	}
	return func() {
		if err := unix.Unmount(dir, 0); err != nil {
			slog.Warn("unmount metadata volume", "dir", dir, "err", err)
			unix.Unmount(dir, unix.MNT_DETACH)
		}
	}, nil
}
