package stage1

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/outpost-os/outpost/init/blockdev"
	"golang.org/x/sys/unix"
)

// WaitRoot waits up to timeout for the device spec names to appear in sys
// (the sysfs block folder) with its node in /dev. When several match
// (two disks flashed with one image), the first by name is taken and the
// others are named on the console.
func WaitRoot(ctx context.Context, console io.Writer, sys string, spec blockdev.Spec, timeout time.Duration) (blockdev.Device, error) {
	start := time.Now()
	deadline := start.Add(timeout)
	announced, explained := false, false
	var seen []blockdev.Device
	for {
		devs, _ := blockdev.Scan(sys)
		seen = devs
		if m := spec.Match(devs); len(m) > 0 && isBlockDevice(m[0].Path()) {
			if len(m) > 1 {
				fmt.Fprintf(console, "outpost: root: %d devices match %s; using %s, not %s\n", len(m), spec, m[0], names(m[1:]))
			}
			return m[0], nil
		}
		// A disk that holds the root's partition in its table while the
		// kernel shows none is too small for the image: no need to wait.
		if !explained && time.Since(start) > 2*time.Second {
			explained = true
			if err := spec.Explain(seen); err != nil {
				return blockdev.Device{}, err
			}
		}
		if time.Now().After(deadline) {
			return blockdev.Device{}, fmt.Errorf("root %s did not appear within %s (block devices: %s): check that the disk with the Outpost image is attached and holds this slot (reflash disk.img), or set root= on the kernel command line",
				spec, timeout, names(seen))
		}
		if !announced && time.Until(deadline) < timeout-time.Second {
			fmt.Fprintf(console, "outpost: waiting up to %s for root %s\n", timeout, spec)
			announced = true
		}
		select {
		case <-ctx.Done():
			return blockdev.Device{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func names(devs []blockdev.Device) string {
	if len(devs) == 0 {
		return "none"
	}
	var out []string
	for _, d := range devs {
		out = append(out, d.String())
	}
	return strings.Join(out, ", ")
}

func isBlockDevice(path string) bool {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return false
	}
	return st.Mode&unix.S_IFMT == unix.S_IFBLK
}
