// Package mounts owns the file systems PID 1 mounts: the pseudo file systems
// of both boot stages, the read-only squashfs root and its writable parts,
// and unmounting everything at shutdown.
package mounts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mount is one entry of a mount table.
type Mount struct {
	Source string
	Target string
	FSType string
	Flags  uintptr
	Data   string
	Mode   os.FileMode // for the target folder when it must be made
}

func (m Mount) String() string {
	return fmt.Sprintf("%s on %s (%s)", m.Source, m.Target, m.FSType)
}

const nodev = unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC

// Stage1 are the pseudo file systems of the initramfs.
func Stage1() []Mount {
	return []Mount{
		{Source: "proc", Target: "/proc", FSType: "proc", Flags: nodev, Mode: 0o555},
		{Source: "sysfs", Target: "/sys", FSType: "sysfs", Flags: nodev, Mode: 0o555},
		{Source: "devtmpfs", Target: "/dev", FSType: "devtmpfs", Flags: unix.MS_NOSUID, Data: "mode=0755", Mode: 0o755},
		{Source: "tmpfs", Target: "/run", FSType: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: "mode=0755", Mode: 0o755},
	}
}

// Stage2 are the pseudo file systems the running system adds: terminals,
// shared memory, the unified cgroup hierarchy and the BPF file system.
func Stage2() []Mount {
	return []Mount{
		{Source: "devpts", Target: "/dev/pts", FSType: "devpts", Flags: unix.MS_NOSUID | unix.MS_NOEXEC, Data: "gid=5,mode=0620,ptmxmode=0666", Mode: 0o755},
		{Source: "tmpfs", Target: "/dev/shm", FSType: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: "mode=1777", Mode: 0o1777},
		{Source: "cgroup2", Target: "/sys/fs/cgroup", FSType: "cgroup2", Flags: nodev, Data: "nsdelegate", Mode: 0o555},
		{Source: "bpf", Target: "/sys/fs/bpf", FSType: "bpf", Flags: nodev, Data: "mode=0700", Mode: 0o700},
	}
}

// EFIVars is efivarfs, read-only, where the boot loader's variables are
// read (a UEFI boot only: see UEFI).
func EFIVars(target string) Mount {
	return Mount{Source: "efivarfs", Target: target, FSType: "efivarfs", Flags: nodev | unix.MS_RDONLY}
}

// UEFI tells whether the firmware booted the kernel through UEFI.
func UEFI() bool {
	_, err := os.Stat("/sys/firmware/efi")
	return err == nil
}

// MountAll mounts each entry that is not mounted yet, making its target.
func MountAll(table []Mount) error {
	for _, m := range table {
		if err := Do(m); err != nil {
			return err
		}
	}
	return nil
}

// Do mounts one entry, making its target folder first. A target that
// already holds this mount is left alone.
func Do(m Mount) error {
	if err := os.MkdirAll(m.Target, m.Mode|0o700); err != nil {
		return fmt.Errorf("mount %s: make target: %w", m, err)
	}
	err := unix.Mount(m.Source, m.Target, m.FSType, m.Flags, m.Data)
	if errors.Is(err, unix.EBUSY) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mount %s: %w", m, err)
	}
	return nil
}

// IsMountPoint tells whether path is the root of a mount, by comparing its
// device with its parent's.
func IsMountPoint(path string) (bool, error) {
	var st, parent unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false, fmt.Errorf("stat %s: %w", path, err)
	}
	if err := unix.Stat(filepath.Join(path, ".."), &parent); err != nil {
		return false, fmt.Errorf("stat %s/..: %w", path, err)
	}
	return st.Dev != parent.Dev || st.Ino == parent.Ino, nil
}
