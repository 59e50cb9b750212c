package network

import (
	"fmt"
	"runtime"

	"github.com/vishvananda/netns"
)

// inNetns runs fn on a fresh OS thread that has entered namespace ns, so
// the sockets fn opens belong to ns. The thread is thrown away afterwards
// (the goroutine exits still locked), so no other goroutine ever runs in
// the wrong namespace. A closed ns (netns.None()) runs fn directly.
func inNetns(ns netns.NsHandle, fn func() error) error {
	if !ns.IsOpen() {
		return fn()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := netns.Set(ns); err != nil {
			errc <- fmt.Errorf("enter network namespace %s: %w", ns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}
