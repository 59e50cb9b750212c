package agent

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// hostResolvConf is the host's resolver file.
const hostResolvConf = "/etc/resolv.conf"

// fallbackResolvConf is what pods with dnsPolicy Default (CoreDNS among
// them) get when the host has no usable name server: CoreDNS refuses to
// start with none, and a loopback one (a local stub resolver) is not
// reachable from a pod. k3s does the same.
const fallbackResolvConf = "nameserver 8.8.8.8\n"

// resolvConf returns the resolver file the kubelet hands to pods: the
// host's when it names a name server pods can reach, otherwise one written
// under DIR/agent/etc.
func (o *Options) resolvConf() (string, error) {
	data, err := os.ReadFile(hostResolvConf)
	if err == nil && hasUsableNameserver(data) {
		return hostResolvConf, nil
	}
	path := o.agentDir("etc", "resolv.conf")
	if err := os.MkdirAll(o.agentDir("etc"), 0o755); err != nil {
		return "", fmt.Errorf("resolv.conf for pods: %w", err)
	}
	if err := atomicfile.Write(path, []byte(fallbackResolvConf), 0o644); err != nil {
		return "", fmt.Errorf("resolv.conf for pods: %w", err)
	}
	return path, nil
}

// hasUsableNameserver tells whether a resolv.conf names a non-loopback
// name server.
func hasUsableNameserver(data []byte) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "nameserver" {
			if ip := net.ParseIP(f[1]); ip != nil && !ip.IsLoopback() {
				return true
			}
		}
	}
	return false
}
