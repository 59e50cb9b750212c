package server

import (
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/agent"
	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/roleflags"
)

// Every key of the node configuration reaches PID 1 or a role: set alone,
// it changes the server's options or the agent's, or PID 1 applies it
// itself (config.PID1Keys). A key added to services/config without a
// mapping onto a role fails here.
func TestEveryConfigKeyReachesPID1OrARole(t *testing.T) {
	for _, key := range config.Keys() {
		if slices.Contains(config.PID1Keys(), key) {
			continue
		}
		c, err := configWith(key)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if !changesServer(t, c) && !changesAgent(c) {
			t.Errorf("config key %s reaches neither PID 1 nor a role: map it in fromConfig (server) or FromConfig (agent), or list it in config.PID1Keys", key)
		}
	}
}

func changesServer(t *testing.T, c *config.Config) bool {
	o, err := parseOptions([]string{"--config", ""}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	before := *o
	roleflags.Apply(o.fromConfig(c), nil)
	return !reflect.DeepEqual(before, *o)
}

func changesAgent(c *config.Config) bool {
	o := agent.NewOptions()
	before := *o
	roleflags.Apply(o.FromConfig(c), nil)
	return !reflect.DeepEqual(before, *o)
}

// configWith is a configuration with only key set, to a value no flag
// has as its default.
func configWith(key string) (*config.Config, error) {
	c := &config.Config{}
	v := reflect.ValueOf(c).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if name, _, _ := strings.Cut(f.Tag.Get("yaml"), ","); name != key {
			continue
		}
		return c, setNonDefault(v.Field(i))
	}
	return nil, fmt.Errorf("no field")
}

func setNonDefault(f reflect.Value) error {
	switch {
	case f.Kind() == reflect.String:
		f.SetString("x")
	case f.Kind() == reflect.Int:
		f.SetInt(1)
	case f.Kind() == reflect.Bool:
		f.SetBool(true)
	case f.Type() == reflect.TypeFor[*bool](): // secrets_encryption: on by default
		f.Set(reflect.ValueOf(new(bool)))
	case f.Type() == reflect.TypeFor[[]string]():
		f.Set(reflect.ValueOf([]string{"x"}))
	case f.Type() == reflect.TypeFor[map[string]string]():
		f.Set(reflect.ValueOf(map[string]string{"x": "y"}))
	default:
		return fmt.Errorf("no test value for a %s", f.Type())
	}
	return nil
}

// The file's values reach the options as the flags would give them, and a
// flag given on the command line wins.
func TestConfigMapsOntoFlags(t *testing.T) {
	cfg := writeConfig(t, `
node_labels: {zone: shop-12, tier: edge}
hostname: box-1
node_name: named
secrets_encryption: false
datastore-cafile: /etc/ca.pem
etcd_peer_port: 12380
disable: coredns
unknown_key: 1
`)
	var warn strings.Builder
	o, err := parseOptions([]string{"--config", cfg, "--etcd-peer-port", "2381"}, nil, &warn)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(o.NodeLabels, []string{"tier=edge", "zone=shop-12"}) {
		t.Errorf("node labels %q", o.NodeLabels)
	}
	if o.NodeName != "named" || o.SecretsEncryption || o.DatastoreCAFile != "/etc/ca.pem" || !slices.Equal(o.Disable, []string{"coredns"}) {
		t.Errorf("options %+v", o)
	}
	if o.EtcdPeerPort != 2381 {
		t.Errorf("--etcd-peer-port lost to the file: %d", o.EtcdPeerPort)
	}
	if !strings.Contains(warn.String(), "unknown_key: unknown key, ignored") {
		t.Errorf("no warning for the unknown key: %q", warn.String())
	}
}
