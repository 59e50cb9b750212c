package metadata

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestReadConfigDriveFull(t *testing.T) {
	l, err := ReadConfigDrive(os.DirFS("testdata/openstack/full"))
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.InstanceID != "83679162-1378-4288-a2d4-70e13ec132aa" || c.Hostname != "edge-os-1" {
		t.Errorf("meta_data.json: %q %q", c.InstanceID, c.Hostname)
	}
	if c.Role != config.RoleAgent || c.Server != "https://10.0.0.1:6443" {
		t.Errorf("user_data: %+v", c)
	}
	n := c.Network
	if len(n.Interfaces) != 2 {
		t.Fatalf("interfaces: %+v", n.Interfaces)
	}
	ovs, dhcp := n.Interfaces[0], n.Interfaces[1]
	if ovs.MAC != "fa:16:3e:9c:bf:3d" || ovs.MTU != 1450 || !slices.Equal(ovs.Addresses, []string{"10.0.0.5/24"}) || ovs.Gateway != "10.0.0.1" {
		t.Errorf("static link: %+v", ovs)
	}
	if len(ovs.Routes) != 1 || ovs.Routes[0] != (config.Route{To: "172.20.0.0/16", Via: "10.0.0.254"}) || !slices.Equal(ovs.DNS, []string{"10.0.0.2"}) {
		t.Errorf("static link routes/dns: %+v", ovs)
	}
	if dhcp.MAC != "fa:16:3e:11:22:33" || !dhcp.UsesDHCP() {
		t.Errorf("dhcp link: %+v", dhcp)
	}
	if !slices.Equal(n.Nameservers, []string{"8.8.8.8"}) {
		t.Errorf("nameservers: %v", n.Nameservers)
	}
	if !configtest.HasWarning(l, `link type "vlan" is not supported`) || !configtest.HasWarning(l, "networks.network2") {
		t.Errorf("vlan link not warned about: %v", l.Warnings)
	}
	if errs := n.Validate(); len(errs) != 0 {
		t.Errorf("mapped network invalid: %v", errs)
	}
}

func TestReadConfigDriveOptionalFiles(t *testing.T) {
	l, err := ReadConfigDrive(os.DirFS("testdata/openstack/minimal"))
	if err != nil || l.Config.Hostname != "edge-os-1" || !l.Config.Network.IsZero() {
		t.Errorf("meta_data.json only: %+v %v", l, err)
	}
	l, err = ReadConfigDrive(os.DirFS("testdata/openstack/2012"))
	if err != nil || l.Config.InstanceID == "" {
		t.Errorf("dated folder only: %+v %v", l, err)
	}
	_, err = ReadConfigDrive(os.DirFS(t.TempDir()))
	if err == nil || !strings.Contains(err.Error(), "meta_data.json is missing") {
		t.Errorf("empty drive: %v", err)
	}
}

func TestOpenStackJSONErrors(t *testing.T) {
	_, err := ParseOpenStackMetaData(config.SourceOpenStack, configtest.ReadFixture(t, "openstack/syntax.json"))
	if es := configtest.FieldErrors(t, err); es[0].Line != 3 || !strings.Contains(es[0].Msg, "invalid JSON") {
		t.Errorf("syntax error: %v", es)
	}
	_, err = ParseOpenStackNetworkData(config.SourceOpenStack, configtest.ReadFixture(t, "openstack/bad-network.json"))
	if es := configtest.FieldErrors(t, err); es[0].Line != 7 || es[0].Path != "networks.netmask" {
		t.Errorf("type error: %+v", es)
	}
	_, err = ParseOpenStackNetworkData(config.SourceOpenStack, []byte(`{"links":[{"id":"a","type":"phy"}],"networks":[{"id":"n","link":"a","type":"ipv4","ip_address":"nope"}]}`))
	if err == nil || !strings.Contains(err.Error(), `"nope" is not an IP address`) {
		t.Errorf("bad address: %v", err)
	}
}
