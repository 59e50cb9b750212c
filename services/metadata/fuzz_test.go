package metadata

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/services/config"
)

// addFixtures seeds a fuzz target with every file matching the patterns.
func addFixtures(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
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

// checkLayer runs what Load does with a layer: merge, validate, show.
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

func FuzzParseCmdline(f *testing.F) {
	addFixtures(f, "cmdline/*")
	f.Add([]byte(`a="b c" outpost.role="server ds=nocloud;s=http://x/;h=y;i=z -- outpost.token=x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := ParseCmdline(string(data))
		if c.Layer == nil {
			t.Fatal("nil layer")
		}
		checkLayer(t, c.Layer)
	})
}

func FuzzDecodeUserData(f *testing.F) {
	addFixtures(f, "userdata/*", "nocloud/*/user-data", "openstack/*/openstack/latest/user_data")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := DecodeUserData("fuzz", data)
		if err == nil {
			checkLayer(t, l)
		}
	})
}

func FuzzParseNetworkConfig(f *testing.F) {
	addFixtures(f, "netconfig/*", "nocloud/*/network-config")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseNetworkConfig("fuzz", data)
		if err == nil && l != nil {
			_ = l.Config.Network.Validate()
		}
	})
}

func FuzzParseMetaData(f *testing.F) {
	addFixtures(f, "nocloud/*/meta-data")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseMetaData("fuzz", data)
		if err == nil {
			checkLayer(t, l)
		}
	})
}

func FuzzOpenStackMetaData(f *testing.F) {
	addFixtures(f, "openstack/*/openstack/latest/meta_data.json", "openstack/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseOpenStackMetaData("fuzz", data)
		if err == nil {
			checkLayer(t, l)
		}
	})
}

func FuzzOpenStackNetworkData(f *testing.F) {
	addFixtures(f, "openstack/*/openstack/latest/network_data.json", "openstack/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := ParseOpenStackNetworkData("fuzz", data)
		if err == nil {
			_ = l.Config.Network.Validate()
		}
	})
}

func FuzzReadLabel(f *testing.F) {
	iso := make([]byte, 17*isoSector)
	copy(iso[16*isoSector:], "\x01CD001")
	copy(iso[16*isoSector+isoVolumeIDAt:], "cidata")
	f.Add(iso)
	fat := make([]byte, 4096)
	fat[11], fat[13], fat[14], fat[16], fat[17], fat[22] = 0x00, 1, 1, 2, 16, 1
	fat[12] = 2 // 512 bytes per sector
	fat[38] = 0x29
	copy(fat[43:], "CIDATA     ")
	fat[510], fat[511] = 0x55, 0xAA
	f.Add(fat)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = ReadLabel(bytes.NewReader(data))
	})
}
