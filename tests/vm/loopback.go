package vm

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
)

// ServerPorts are the ports of an outpost server on 127.0.0.1.
type ServerPorts struct{ HTTPS, Supervisor, EtcdClient, EtcdPeer int }

// FreeServerPorts returns four ports on 127.0.0.1 that nothing listens on
// now, for one server.
func FreeServerPorts() (ServerPorts, error) {
	var ps [4]int
	for i := range ps {
		p, err := FreePort()
		if err != nil {
			return ServerPorts{}, fmt.Errorf("server ports: %w", err)
		}
		ps[i] = p
	}
	return ServerPorts{HTTPS: ps[0], Supervisor: ps[1], EtcdClient: ps[2], EtcdPeer: ps[3]}, nil
}

// MustFreeServerPorts is FreeServerPorts that fails the test.
func MustFreeServerPorts(t testing.TB) ServerPorts {
	t.Helper()
	return ServerPorts{HTTPS: MustFreePort(t), Supervisor: MustFreePort(t), EtcdClient: MustFreePort(t), EtcdPeer: MustFreePort(t)}
}

// LoopbackServerArgs are the arguments of `outpost server --disable-agent`
// on the host: node name, data in dataDir, no config file, bound to and
// advertising 127.0.0.1 on p, the admin kubeconfig written to
// dataDir/admin.yaml; extra follows.
func LoopbackServerArgs(dataDir, name string, p ServerPorts, extra ...string) []string {
	args := []string{"server", "--disable-agent", "--config", "",
		"--data-dir", dataDir, "--node-name", name,
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--https-listen-port", strconv.Itoa(p.HTTPS), "--supervisor-port", strconv.Itoa(p.Supervisor),
		"--etcd-client-port", strconv.Itoa(p.EtcdClient), "--etcd-peer-port", strconv.Itoa(p.EtcdPeer),
		"--write-kubeconfig", filepath.Join(dataDir, "admin.yaml")}
	return append(args, extra...)
}
