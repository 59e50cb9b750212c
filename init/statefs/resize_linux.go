package statefs

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ext4IocResizeFS is EXT4_IOC_RESIZE_FS, _IOW('f', 16, __u64): grow a
// mounted ext4 file system to a number of blocks.
const ext4IocResizeFS = 0x40086610

// Superblock holds the sizes of an ext4 file system.
type Superblock struct {
	BlockSize int64
	Blocks    int64
}

// Bytes is the size of the file system.
func (s Superblock) Bytes() int64 { return s.BlockSize * s.Blocks }

// ReadSuperblock reads the sizes from the superblock at byte 1024 of r.
func ReadSuperblock(r io.ReaderAt) (Superblock, error) {
	b := make([]byte, 1024)
	if _, err := r.ReadAt(b, 1024); err != nil {
		return Superblock{}, fmt.Errorf("read ext4 superblock: %w", err)
	}
	if binary.LittleEndian.Uint16(b[0x38:]) != 0xEF53 {
		return Superblock{}, fmt.Errorf("no ext4 superblock")
	}
	logSize := binary.LittleEndian.Uint32(b[0x18:])
	if logSize > 6 {
		return Superblock{}, fmt.Errorf("ext4 superblock: block size 2^%d KiB", logSize)
	}
	blocks := uint64(binary.LittleEndian.Uint32(b[0x4:]))
	const incompat64bit = 0x80
	if binary.LittleEndian.Uint32(b[0x60:])&incompat64bit != 0 {
		blocks |= uint64(binary.LittleEndian.Uint32(b[0x150:])) << 32
	}
	return Superblock{BlockSize: 1024 << logSize, Blocks: int64(blocks)}, nil
}

// growFS grows the ext4 file system mounted at mountpoint, which lives on
// dev, to fill dev; it returns the sizes before and after (equal when
// there was nothing to grow).
func growFS(mountpoint, dev string) (before, after int64, err error) {
	d, err := os.Open(dev)
	if err != nil {
		return 0, 0, err
	}
	defer d.Close()
	sb, err := ReadSuperblock(d)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", dev, err)
	}
	size, err := d.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, 0, err
	}
	want := size / sb.BlockSize
	if want <= sb.Blocks {
		return sb.Bytes(), sb.Bytes(), nil
	}
	m, err := os.Open(mountpoint)
	if err != nil {
		return 0, 0, err
	}
	defer m.Close()
	n := uint64(want)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, m.Fd(), ext4IocResizeFS, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return sb.Bytes(), sb.Bytes(), fmt.Errorf("grow the file system on %s to %d blocks: %w", dev, want, errno)
	}
	return sb.Bytes(), want * sb.BlockSize, nil
}
