package stage1

import "golang.org/x/sys/unix"

func isBlockDevice(path string) bool {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFBLK
}
