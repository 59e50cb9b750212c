package flannel

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// cniConfig is the node's CNI network list: pods on the cni0 bridge with
// addresses from the node's subnet, the rest of the cluster network routed
// through the bridge (flannel's vxlan device carries it on), and host ports
// through portmap.
func cniConfig(subnet, clusterCIDR *net.IPNet, mtu int) ([]byte, error) {
	gw := make(net.IP, len(subnet.IP.To4()))
	copy(gw, subnet.IP.To4())
	gw[3]++
	conf := map[string]any{
		"cniVersion": "1.0.0",
		"name":       "outpost",
		"plugins": []any{
			map[string]any{
				"type":             "bridge",
				"bridge":           "cni0",
				"isGateway":        true,
				"isDefaultGateway": true,
				"ipMasq":           false,
				"hairpinMode":      true,
				"mtu":              mtu,
				"ipam": map[string]any{
					"type":   "host-local",
					"ranges": [][]map[string]string{{{"subnet": subnet.String(), "gateway": gw.String()}}},
					"routes": []map[string]string{{"dst": clusterCIDR.String()}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}, "snat": true},
		},
	}
	data, err := json.MarshalIndent(conf, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("CNI config: %w", err)
	}
	return append(data, '\n'), nil
}

// writeCNIConfig writes the CNI config atomically: containerd watches the
// folder and must never read half a file.
func writeCNIConfig(path string, subnet, clusterCIDR *net.IPNet, mtu int) error {
	data, err := cniConfig(subnet, clusterCIDR, mtu)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("CNI config: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o644); err != nil {
		return fmt.Errorf("CNI config: %w", err)
	}
	return nil
}
