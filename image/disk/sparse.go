package disk

import (
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// extent is a range of a file that holds data: [Start, Start+Len).
type extent struct{ Start, Len int64 }

// dataExtents lists the parts of f that hold data, skipping holes
// (SEEK_DATA and SEEK_HOLE); a file system without holes reports the
// whole file as data.
func dataExtents(f *os.File) ([]extent, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	size := st.Size()
	fd := int(f.Fd())
	var out []extent
	for off := int64(0); off < size; {
		start, err := unix.Seek(fd, off, unix.SEEK_DATA)
		if errors.Is(err, unix.ENXIO) {
			break // only a hole is left
		}
		if err != nil {
			return nil, fmt.Errorf("find data in %s: %w", f.Name(), err)
		}
		end, err := unix.Seek(fd, start, unix.SEEK_HOLE)
		if err != nil {
			return nil, fmt.Errorf("find hole in %s: %w", f.Name(), err)
		}
		out = append(out, extent{Start: start, Len: end - start})
		off = end
	}
	return out, nil
}

// copyData copies the data extents of the file at src into dst at
// offset, leaving its holes as holes of dst.
func copyData(dst *os.File, offset int64, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	exts, err := dataExtents(in)
	if err != nil {
		return err
	}
	for _, e := range exts {
		r := io.NewSectionReader(in, e.Start, e.Len)
		w := io.NewOffsetWriter(dst, offset+e.Start)
		if _, err := io.Copy(w, r); err != nil {
			return fmt.Errorf("copy %s into %s: %w", src, dst.Name(), err)
		}
	}
	return nil
}

// copyAll copies every byte of src into dst at offset (a root image must
// be whole on the disk, its zero blocks too).
func copyAll(dst *os.File, offset int64, src string) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	n, err := io.Copy(io.NewOffsetWriter(dst, offset), in)
	if err != nil {
		return n, fmt.Errorf("copy %s into %s: %w", src, dst.Name(), err)
	}
	return n, nil
}

// Copy copies the disk image at src to dst, keeping its holes (a test's
// or a user's copy of a multi-GiB image costs only its data).
func Copy(src, dst string) error {
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return err
	}
	err = copyData(out, 0, src)
	if err == nil {
		err = out.Truncate(st.Size())
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return fmt.Errorf("copy %s to %s: %w", src, dst, err)
	}
	return nil
}
