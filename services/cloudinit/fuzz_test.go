package cloudinit

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/services/config"
)

// addFixtures seeds a fuzz target with every file matching the patterns
// (relative to testdata). A pattern that matches nothing fails, so that
// seeds are not lost when fixtures move: the user-data and network-config
// files of the NoCloud and config-drive fixtures of services/metadata seed
// these targets too.
func addFixtures(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no fixture matches %s", p)
		}
		for _, name := range files {
			if st, err := os.Stat(name); err != nil || st.IsDir() {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// metadataFixtures is services/metadata's testdata, seen from testdata.
const metadataFixtures = "../../metadata/testdata/"

// checkLayer runs what metadata.Load does with a layer: merge, validate,
// show.
func checkLayer(t *testing.T, l *config.Layer) {
	if l == nil {
		return
	}
	e := config.Merge(l)
	_ = e.Validate()
	var buf bytes.Buffer
	if err := e.Show(&buf); err != nil {
		t.Fatal(err)
	}
}

func FuzzDecodeUserData(f *testing.F) {
	addFixtures(f, "userdata/*", metadataFixtures+"nocloud/*/user-data", metadataFixtures+"openstack/*/openstack/latest/user_data")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := DecodeUserData("fuzz", data)
		if err == nil {
			checkLayer(t, l)
		}
	})
}

func FuzzParseNetworkConfig(f *testing.F) {
	addFixtures(f, "netconfig/*", metadataFixtures+"nocloud/*/network-config")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseNetworkConfig("fuzz", data)
		if err == nil && l != nil {
			_ = l.Config.Network.Validate()
		}
	})
}
