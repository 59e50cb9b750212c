package mounts

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// UnmountAll unmounts every mount in /proc/self/mounts, deepest last
// mounted first, and remounts what cannot be unmounted (the root, busy
// file systems) read-only, so the disks are clean before power off. It
// returns the mounts it could neither unmount nor make read-only.
func UnmountAll() ([]string, error) {
	f, err := os.Open("/proc/self/mounts")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	targets, err := parseTargets(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	var stuck []string
	for i := len(targets) - 1; i >= 0; i-- {
		t := targets[i]
		if keep(t) {
			continue
		}
		if unix.Unmount(t, 0) == nil {
			continue
		}
		if err := unix.Mount("", t, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
			stuck = append(stuck, t)
		}
	}
	return stuck, nil
}

// keep lists the kernel's own mounts, which need no unmounting.
func keep(target string) bool {
	switch target {
	case "/proc", "/sys", "/dev":
		return true
	}
	return false
}

func parseTargets(r io.Reader) ([]string, error) {
	var targets []string
	s := bufio.NewScanner(r)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 2 {
			continue
		}
		targets = append(targets, unescape(fields[1]))
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return targets, nil
}

// unescape undoes the octal escapes (\040 for a space) of /proc/mounts.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%3o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
