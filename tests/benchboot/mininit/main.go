// Command mininit is the smallest useful static init: it mounts /proc,
// prints the time since the kernel started and powers off. The boot
// benchmark boots it with the same kernel as Outpost to show what PID 1
// itself costs.
package main

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

func main() {
	os.MkdirAll("/proc", 0o555)
	unix.Mount("proc", "/proc", "proc", 0, "")
	up, _ := os.ReadFile("/proc/uptime")
	fmt.Printf("mininit: uptime %s\n", up)
	unix.Reboot(unix.LINUX_REBOOT_CMD_POWER_OFF)
	select {}
}
