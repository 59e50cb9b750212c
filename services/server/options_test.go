package server

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/outpost-os/outpost/services/roleflags"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFileFillsUnsetFlags(t *testing.T) {
	cfg := writeConfig(t, `
role: server
hostname: box-1
node_ip: 192.0.2.10
data_dir: /srv/outpost
cluster-cidr: 10.99.0.0/16
tls_sans: [a.example, 192.0.2.7]
kube_apiserver_args: ["v=2"]
https_listen_port: 7443
cluster_init: true
network: {interfaces: [{name: eth0}]}
`)
	o, err := parseOptions([]string{"--config", cfg, "--https-listen-port", "8443"}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.DataDir != "/srv/outpost" || o.ClusterCIDR != "10.99.0.0/16" || !o.ClusterInit {
		t.Errorf("config keys not applied: %+v", o)
	}
	if o.NodeName != "box-1" || o.AdvertiseAddress != "192.0.2.10" {
		t.Errorf("hostname and node_ip: %q %q", o.NodeName, o.AdvertiseAddress)
	}
	if o.HTTPSPort != 8443 {
		t.Errorf("the flag must win over the file: port %d", o.HTTPSPort)
	}
	if !slices.Equal(o.TLSSANs, []string{"a.example", "192.0.2.7"}) || !slices.Equal(o.APIServerArgs, []string{"v=2"}) {
		t.Errorf("lists: %v %v", o.TLSSANs, o.APIServerArgs)
	}
}

func TestConfigFileErrors(t *testing.T) {
	for name, text := range map[string]string{
		"bad yaml":   "cluster_cidr: [",
		"bad value":  "https_listen_port: many",
		"map value":  "cluster_cidr: {a: b}",
		"bad cidr":   "service_cidr: 10.43.0.0",
		"bad mode":   "write_kubeconfig_mode: rw",
		"bad ip":     "bind_address: localhost",
		"port range": "supervisor_port: 70000",
	} {
		if _, err := parseOptions([]string{"--config", writeConfig(t, text)}, nil, io.Discard); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := parseOptions([]string{"--config", "/nonexistent/config.yaml"}, nil, io.Discard); err == nil {
		t.Error("a missing config file named by --config was accepted")
	}
}

func TestTokenPrecedence(t *testing.T) {
	cfg := writeConfig(t, "token: from-file\nagent_token: agent-from-file\n")
	t.Setenv(envToken, "from-env")
	o, err := parseOptions([]string{"--config", cfg}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Token != "from-env" || o.AgentToken != "agent-from-file" {
		t.Errorf("env must beat the file: %q %q", o.Token, o.AgentToken)
	}
	o, err = parseOptions([]string{"--config", cfg}, roleflags.Secrets{"token": "from-pipe"}, io.Discard)
	if err != nil || o.Token != "from-pipe" {
		t.Errorf("the re-exec pipe must win: %q %v", o.Token, err)
	}
}
