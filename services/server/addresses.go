package server

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"

	utilnet "k8s.io/apimachinery/pkg/util/net"
)

// addresses are where the server listens, what it advertises and its name.
type addresses struct {
	Bind      net.IP
	Advertise net.IP
	NodeName  string
}

// resolveAddresses fills the advertise address (the bind address when it
// is specific, else the default route's) and the node name (the host name).
func (o *Options) resolveAddresses(log *slog.Logger) (addresses, error) {
	a := addresses{Bind: net.ParseIP(o.BindAddress), Advertise: net.ParseIP(o.AdvertiseAddress)}
	if a.Advertise == nil {
		if !a.Bind.IsUnspecified() {
			a.Advertise = a.Bind
		} else if ip, err := utilnet.ChooseHostInterface(); err == nil {
			a.Advertise = ip
		} else {
			log.Warn("no default route: advertising 127.0.0.1; set --advertise-address", "err", err)
			a.Advertise = net.IPv4(127, 0, 0, 1)
		}
	}
	a.NodeName = o.NodeName
	if a.NodeName == "" {
		host, err := os.Hostname()
		if err != nil {
			return a, fmt.Errorf("node name: %w; set --node-name", err)
		}
		a.NodeName = strings.ToLower(host)
	}
	return a, nil
}

// listenHost is the host part of the server's listeners.
func (a addresses) listenHost() string { return a.Bind.String() }
