package metadata

import (
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"
)

func FuzzParseCmdline(f *testing.F) {
	configtest.AddFixtures(f, "cmdline/*")
	f.Add([]byte(`a="b c" outpost.role="server ds=nocloud;s=http://x/;h=y;i=z -- outpost.token=x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := ParseCmdline(string(data))
		if c.Layer == nil {
			t.Fatal("nil layer")
		}
		configtest.CheckLayer(t, c.Layer)
	})
}

func FuzzParseMetaData(f *testing.F) {
	configtest.AddFixtures(f, "nocloud/*/meta-data")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseMetaData("fuzz", data)
		if err == nil {
			configtest.CheckLayer(t, l)
		}
	})
}

func FuzzOpenStackMetaData(f *testing.F) {
	configtest.AddFixtures(f, "openstack/*/openstack/latest/meta_data.json", "openstack/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseOpenStackMetaData("fuzz", data)
		if err == nil {
			configtest.CheckLayer(t, l)
		}
	})
}

func FuzzOpenStackNetworkData(f *testing.F) {
	configtest.AddFixtures(f, "openstack/*/openstack/latest/network_data.json", "openstack/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseOpenStackNetworkData("fuzz", data)
		if err == nil {
			_ = l.Config.Network.Validate()
		}
	})
}
