package server

import (
	"errors"
	"fmt"
	"net"
	"strconv"
)

// portUse is one address the server will listen on, and the flag that
// chose it.
type portUse struct {
	host string
	port int
	flag string
}

// checkPorts fails when any of the addresses is already taken, before
// anything is started or written.
func checkPorts(uses []portUse) error {
	var errs []error
	for _, u := range uses {
		addr := net.JoinHostPort(u.host, strconv.Itoa(u.port))
		l, err := net.Listen("tcp", addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("port %s (%s) is not available: %w", addr, u.flag, err))
			continue
		}
		l.Close()
	}
	return errors.Join(errs...)
}
