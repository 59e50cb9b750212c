package cloudinit

import (
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"
)

// metadataFixtures is services/metadata's testdata, seen from testdata.
const metadataFixtures = "../../metadata/testdata/"

func FuzzDecodeUserData(f *testing.F) {
	configtest.AddFixtures(f, "userdata/*", metadataFixtures+"nocloud/*/user-data", metadataFixtures+"openstack/*/openstack/latest/user_data")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := DecodeUserData("fuzz", data)
		if err == nil {
			configtest.CheckLayer(t, l)
		}
	})
}

func FuzzParseNetworkConfig(f *testing.F) {
	configtest.AddFixtures(f, "netconfig/*", metadataFixtures+"nocloud/*/network-config")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseNetworkConfig("fuzz", data)
		if err == nil && l != nil {
			_ = l.Config.Network.Validate()
		}
	})
}
