package volume

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Filesystem types ReadLabel recognises, named as mount(2) wants them.
const (
	FSISO9660 = "iso9660"
	FSVFAT    = "vfat"
)

// ErrUnknownFilesystem is returned by ReadLabel for anything but ISO9660
// and FAT.
var ErrUnknownFilesystem = errors.New("not an ISO9660 or FAT file system")

// ReadLabel reads the file system type and volume label from a device or
// image, as blkid would: the ISO9660 primary volume descriptor's volume
// identifier, or the FAT volume label (from the root directory entry when
// there is one, else from the boot sector).
func ReadLabel(r io.ReaderAt) (fstype, label string, err error) {
	if label, ok, err := isoLabel(r); err != nil || ok {
		return FSISO9660, label, err
	}
	if label, ok, err := fatLabel(r); err != nil || ok {
		return FSVFAT, label, err
	}
	return "", "", ErrUnknownFilesystem
}

const (
	isoSector     = 2048
	isoFirstVD    = 16
	isoMaxVDs     = 64
	isoVolumeIDAt = 40
)

// isoLabel walks the volume descriptors from sector 16 to the primary one.
func isoLabel(r io.ReaderAt) (string, bool, error) {
	vd := make([]byte, isoSector)
	for i := isoFirstVD; i < isoFirstVD+isoMaxVDs; i++ {
		if _, err := r.ReadAt(vd, int64(i)*isoSector); err != nil {
			return "", false, nil // too short to be an ISO
		}
		if string(vd[1:6]) != "CD001" {
			return "", false, nil
		}
		switch vd[0] {
		case 1: // primary volume descriptor
			return strings.TrimRight(string(vd[isoVolumeIDAt:isoVolumeIDAt+32]), " \x00"), true, nil
		case 255: // set terminator
			return "", false, fmt.Errorf("ISO9660 without a primary volume descriptor")
		}
	}
	return "", false, fmt.Errorf("ISO9660 with more than %d volume descriptors", isoMaxVDs)
}

// bpb is the part of a FAT boot sector needed to find the label.
type bpb struct {
	bytesPerSector    uint16
	sectorsPerCluster uint8
	reserved          uint16
	fats              uint8
	rootEntries       uint16
	fatSize16         uint16
	fatSize32         uint32
	rootCluster       uint32
}

func parseBPB(bs []byte) (bpb, bool) {
	b := bpb{
		bytesPerSector:    binary.LittleEndian.Uint16(bs[11:]),
		sectorsPerCluster: bs[13],
		reserved:          binary.LittleEndian.Uint16(bs[14:]),
		fats:              bs[16],
		rootEntries:       binary.LittleEndian.Uint16(bs[17:]),
		fatSize16:         binary.LittleEndian.Uint16(bs[22:]),
		fatSize32:         binary.LittleEndian.Uint32(bs[36:]),
		rootCluster:       binary.LittleEndian.Uint32(bs[44:]),
	}
	okSize := b.bytesPerSector >= 512 && b.bytesPerSector <= 4096 && b.bytesPerSector&(b.bytesPerSector-1) == 0
	okCluster := b.sectorsPerCluster != 0 && b.sectorsPerCluster&(b.sectorsPerCluster-1) == 0
	ok := bs[510] == 0x55 && bs[511] == 0xAA && okSize && okCluster && b.reserved > 0 && b.fats > 0
	return b, ok
}

func fatLabel(r io.ReaderAt) (string, bool, error) {
	bs := make([]byte, 512)
	if _, err := r.ReadAt(bs, 0); err != nil {
		return "", false, nil
	}
	b, ok := parseBPB(bs)
	if !ok {
		return "", false, nil
	}
	fat32 := b.fatSize16 == 0
	sigAt, labelAt := 38, 43
	if fat32 {
		sigAt, labelAt = 66, 71
	}
	label := ""
	if bs[sigAt] == 0x29 {
		label = cleanFATLabel(bs[labelAt : labelAt+11])
	}
	if rootLabel, found := fatRootLabel(r, b, fat32); found {
		label = rootLabel
	}
	return label, true, nil
}

// fatRootLabel looks for the volume-label entry in the root directory (for
// FAT32, in its first cluster).
func fatRootLabel(r io.ReaderAt, b bpb, fat32 bool) (string, bool) {
	bps := int64(b.bytesPerSector)
	var off, size int64
	if fat32 {
		if b.rootCluster < 2 {
			return "", false
		}
		data := int64(b.reserved) + int64(b.fats)*int64(b.fatSize32)
		off = (data + int64(b.rootCluster-2)*int64(b.sectorsPerCluster)) * bps
		size = int64(b.sectorsPerCluster) * bps
	} else {
		off = (int64(b.reserved) + int64(b.fats)*int64(b.fatSize16)) * bps
		size = int64(b.rootEntries) * 32
	}
	dir := make([]byte, min(size, 1<<20))
	n, _ := r.ReadAt(dir, off)
	dir = dir[:n-n%32]
	for i := 0; i < len(dir); i += 32 {
		e := dir[i : i+32]
		switch {
		case e[0] == 0:
			return "", false
		case e[0] == 0xE5 || e[11] == 0x0F:
			continue
		case e[11]&0x08 != 0 && e[11]&0x10 == 0:
			return cleanFATLabel(e[:11]), true
		}
	}
	return "", false
}

func cleanFATLabel(b []byte) string {
	s := strings.TrimRight(string(bytes.TrimRight(b, "\x00")), " ")
	if s == "NO NAME" {
		return ""
	}
	return s
}
