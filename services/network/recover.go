package network

import (
	"fmt"
	"runtime/debug"
)

// recovered runs f and turns a panic in it into an error carrying the
// stack. The DHCP goroutines run in PID 1 and parse packets anyone on the
// LAN can send: a bug there must cost one session, never the box.
func recovered(what string, f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked (a bug: please report it with this stack): %v\n%s", what, r, debug.Stack())
		}
	}()
	return f()
}
