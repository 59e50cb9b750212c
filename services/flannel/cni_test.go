package flannel

import (
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
)

func TestCNIConfigBridgesTheNodeSubnet(t *testing.T) {
	_, subnet, _ := net.ParseCIDR("10.42.3.0/24")
	_, cluster, _ := net.ParseCIDR("10.42.0.0/16")
	path := filepath.Join(t.TempDir(), "net.d", "10-outpost.conflist")
	if err := writeCNIConfig(path, subnet, cluster, 1450); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var conf struct {
		CNIVersion string `json:"cniVersion"`
		Plugins    []struct {
			Type   string `json:"type"`
			Bridge string `json:"bridge"`
			MTU    int    `json:"mtu"`
			IPAM   struct {
				Type   string                `json:"type"`
				Ranges [][]map[string]string `json:"ranges"`
				Routes []map[string]string   `json:"routes"`
			} `json:"ipam"`
		} `json:"plugins"`
	}
	if err := json.Unmarshal(data, &conf); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, data)
	}
	if len(conf.Plugins) != 2 || conf.Plugins[0].Type != "bridge" || conf.Plugins[1].Type != "portmap" {
		t.Fatalf("plugins: %+v", conf.Plugins)
	}
	b := conf.Plugins[0]
	if b.Bridge != "cni0" || b.MTU != 1450 || b.IPAM.Type != "host-local" {
		t.Errorf("bridge: %+v", b)
	}
	if r := b.IPAM.Ranges[0][0]; r["subnet"] != "10.42.3.0/24" || r["gateway"] != "10.42.3.1" {
		t.Errorf("range %v", r)
	}
	if len(b.IPAM.Routes) != 1 || b.IPAM.Routes[0]["dst"] != "10.42.0.0/16" {
		t.Errorf("routes %v", b.IPAM.Routes)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o644 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
}
