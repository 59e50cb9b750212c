package blockdev

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SizeOf returns the size of the block device open in f, in bytes.
func SizeOf(f *os.File) (int64, error) {
	var size uint64
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKGETSIZE64, uintptr(unsafe.Pointer(&size))); errno != 0 {
		return 0, fmt.Errorf("size of %s: %w", f.Name(), errno)
	}
	return int64(size), nil
}

// Resize tells the kernel that partition number of the disk open in f
// now spans [start, start+length) bytes (BLKPG_RESIZE_PARTITION), so its
// device grows without re-reading the table of a disk in use.
func Resize(f *os.File, number int, start, length int64) error {
	part := unix.BlkpgPartition{Start: start, Length: length, Pno: int32(number)}
	arg := unix.BlkpgIoctlArg{Op: unix.BLKPG_RESIZE_PARTITION, Datalen: int32(unsafe.Sizeof(part)), Data: (*byte)(unsafe.Pointer(&part))}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, f.Fd(), unix.BLKPG, uintptr(unsafe.Pointer(&arg))); errno != 0 {
		return fmt.Errorf("tell the kernel partition %d of %s grew: %w", number, f.Name(), errno)
	}
	return nil
}
