package shutdown

import (
	"fmt"
	"io"
	"time"

	"golang.org/x/sys/unix"
)

// Emergency is where PID 1 goes when the boot cannot continue. It shows the
// error on the console, repeats it every minute for whoever connects
// later, and reboots after rebootAfter (0: never) in case the cause was
// passing. PID 1 must not exit: the kernel would panic and the box would be
// gone without a word.
func Emergency(console io.Writer, err error, rebootAfter time.Duration) {
	deadline := time.Now().Add(rebootAfter)
	for {
		fmt.Fprintf(console, "outpost: EMERGENCY: the boot cannot continue: %v\n", err)
		if rebootAfter > 0 {
			left := time.Until(deadline).Round(time.Second)
			if left <= 0 {
				fmt.Fprintln(console, "outpost: rebooting")
				unix.Sync()
				unix.Reboot(unix.LINUX_REBOOT_CMD_RESTART)
			}
			fmt.Fprintf(console, "outpost: rebooting in %s (outpost.emergency_reboot=0 on the kernel command line waits instead)\n", left)
		}
		wait := time.Minute
		if rebootAfter > 0 {
			wait = min(wait, max(time.Second, time.Until(deadline)))
		}
		time.Sleep(wait)
	}
}
