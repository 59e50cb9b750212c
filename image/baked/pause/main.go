// Command pause is PID 1 of every pod sandbox: it holds the pod's
// namespaces open, reaps the children the kernel hands it (containers
// that share the pod's PID namespace), and exits 0 on SIGINT or SIGTERM.
// The image builder compiles it statically into outpost.local/pause.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const version = "1.0"

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-v" {
		fmt.Println("pause (outpost)", version)
		return
	}
	if os.Getpid() != 1 {
		fmt.Fprintln(os.Stderr, "pause: warning: not PID 1, orphans are not reaped here")
	}
	os.Exit(wait())
}

// wait reaps children until SIGINT or SIGTERM arrives, then returns the
// exit code.
func wait() int {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	reap()
	for s := range sigs {
		if s != syscall.SIGCHLD {
			return 0
		}
		reap()
	}
	return 0
}

// reap collects every child that has exited.
func reap() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-1, &ws, syscall.WNOHANG, nil)
		if err == syscall.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
	}
}
