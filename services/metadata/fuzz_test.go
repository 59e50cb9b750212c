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
