package cloudinit

import (
	"slices"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestDecodeCloudConfig(t *testing.T) {
	l, err := DecodeUserData(config.SourceNoCloud, configtest.ReadFixture(t, "userdata/cloud-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Hostname != "shop-12-node-1" {
		t.Errorf("hostname %q: hostname wins over fqdn", c.Hostname)
	}
	if c.Role != config.RoleAgent || c.Server != "https://k8s.example.internal:6443" || c.NodeLabels["topology.kubernetes.io/zone"] != "shop-12" {
		t.Errorf("outpost section: %+v", c)
	}
	if !slices.Equal(c.NTP.Servers, []string{"ntp.example.internal", "0.debian.pool.ntp.org"}) {
		t.Errorf("ntp: %v", c.NTP.Servers)
	}
	if len(c.WriteFiles) != 2 {
		t.Fatalf("write_files: %+v", c.WriteFiles)
	}
	if got, _ := c.WriteFiles[1].Decode(); string(got) != "mirrors: {}\n" {
		t.Errorf("b64 write_files content: %q", got)
	}
	for _, want := range []string{"line 5: manage_etc_hosts: cloud-init key not supported", "line 6: users:", "line 22: runcmd", "line 35: outpost.flavour: unknown key"} {
		if !configtest.HasWarning(l, want) {
			t.Errorf("no warning %q in:\n%v", want, l.Warnings)
		}
	}
	if l.Keys["role"] != 25 {
		t.Errorf("role line %d, want 25", l.Keys["role"])
	}
	if errs := config.Merge(l).Validate(); len(errs) != 0 {
		t.Errorf("fixture should validate: %v", errs)
	}
}

func TestDecodeFQDN(t *testing.T) {
	l, err := DecodeUserData("x", []byte("#cloud-config\nfqdn: node-9.example.com\n"))
	if err != nil || l.Config.Hostname != "node-9" {
		t.Errorf("fqdn alone: %q %v", l.Config.Hostname, err)
	}
	l, err = DecodeUserData("x", []byte("#cloud-config\nhostname: a\nfqdn: node-9.example.com\nprefer_fqdn_over_hostname: true\n"))
	if err != nil || l.Config.Hostname != "node-9.example.com" {
		t.Errorf("prefer fqdn: %q %v", l.Config.Hostname, err)
	}
	l, err = DecodeUserData("x", []byte("#cloud-config\nhostname: top\noutpost:\n  hostname: inner\n"))
	if err != nil || l.Config.Hostname != "inner" {
		t.Errorf("outpost: section should win: %q %v", l.Config.Hostname, err)
	}
}

func TestDecodeInvalidOutpostSection(t *testing.T) {
	l, err := DecodeUserData(config.SourceNoCloud, configtest.ReadFixture(t, "userdata/invalid-outpost.yaml"))
	if err == nil {
		// A wrong type is a decode error; a wrong value a validation error.
		t.Fatalf("want a type error for node_ip, got %+v", l)
	}
	es := configtest.FieldErrors(t, err)
	if len(es) != 1 || es[0].Line != 6 || es[0].Source != config.SourceNoCloud {
		t.Errorf("errors: %v", es)
	}
}

func TestDecodeValidationLinesInOutpostSection(t *testing.T) {
	l, err := DecodeUserData(config.SourceNoCloud, []byte("#cloud-config\nhostname: good\noutpost:\n  role: boss\n  server: 10.0.0.1\n"))
	if err != nil {
		t.Fatal(err)
	}
	errs := config.Merge(l).Validate()
	lines := map[string]int{}
	for _, e := range errs {
		lines[e.Path] = e.Line
	}
	if lines["role"] != 4 || lines["server"] != 5 || len(errs) != 2 {
		t.Errorf("errors: %v", errs)
	}
}

func TestDecodeMultipartNested(t *testing.T) {
	l, err := DecodeUserData(config.SourceNoCloud, configtest.ReadFixture(t, "userdata/multipart.txt"))
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Hostname != "from-part-1" || c.Role != config.RoleServer || !c.ClusterInit {
		t.Errorf("parts not all applied: %+v", c)
	}
	if c.NodeLabels["tier"] != "override" || c.NodeLabels["region"] != "eu" {
		t.Errorf("the later (base64, nested) part should win per label: %v", c.NodeLabels)
	}
	if !configtest.HasWarning(l, "text/x-shellscript is not supported") || !configtest.HasWarning(l, "part 2 (setup.sh)") {
		t.Errorf("no warning naming the ignored shell script part: %v", l.Warnings)
	}
}

func TestDecodeGzip(t *testing.T) {
	l, err := DecodeUserData("x", configtest.ReadFixture(t, "userdata/cloud-config.gz"))
	if err != nil || l.Config.Hostname != "zipped" || l.Config.TLSSANs[0] != "zipped.example.com" {
		t.Fatalf("gzip cloud-config: %+v %v", l, err)
	}
	l, err = DecodeUserData("x", configtest.ReadFixture(t, "userdata/multipart.gz"))
	if err != nil || l.Config.Hostname != "from-part-1" || l.Config.NodeLabels["region"] != "eu" {
		t.Fatalf("gzip multipart: %+v %v", l, err)
	}
	l, err = DecodeUserData("x", configtest.ReadFixture(t, "userdata/multipart-gzip-part.txt"))
	if err != nil || l.Config.Hostname != "gz-part" || l.Config.Role != config.RoleAgent {
		t.Fatalf("base64 gzip part: %+v %v", l, err)
	}
	if !configtest.HasWarning(l, "text/x-include-url") {
		t.Errorf("include part not warned about: %v", l.Warnings)
	}
}

func TestDecodeOtherFormats(t *testing.T) {
	l, err := DecodeUserData("x", configtest.ReadFixture(t, "userdata/shell.sh"))
	if err != nil || !l.Empty() || !configtest.HasWarning(l, "#!/bin/sh") {
		t.Errorf("shell script: %+v %v", l, err)
	}
	_, err = DecodeUserData(config.SourceEC2, configtest.ReadFixture(t, "userdata/notyaml.txt"))
	if err == nil || !strings.Contains(err.Error(), "start the file with #cloud-config") || !strings.Contains(err.Error(), "role=server") {
		t.Errorf("unknown format: %v", err)
	}
	l, err = DecodeUserData("x", nil)
	if err != nil || !l.Empty() {
		t.Errorf("empty user-data: %+v %v", l, err)
	}
	_, err = DecodeUserData("x", []byte("Content-Type: multipart/mixed\n\nbody"))
	if err == nil || !strings.Contains(err.Error(), "boundary") {
		t.Errorf("multipart without boundary: %v", err)
	}
	big := append([]byte("#cloud-config\n"), make([]byte, config.MaxSize)...)
	if _, err := DecodeUserData("x", big); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("huge user-data: %v", err)
	}
}

func TestDecodeGzipBomb(t *testing.T) {
	bomb := configtest.Gzip(t, make([]byte, 4*config.MaxSize))
	if _, err := DecodeUserData("x", bomb); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("gzip bomb: %v", err)
	}
}

func TestDecodeConfigForms(t *testing.T) {
	cases := map[string]string{
		"plain":               "role: server\nhostname: a\n",
		"cloud-config":        "#cloud-config\nhostname: a\noutpost:\n  role: server\n",
		"header forgotten":    "hostname: a\noutpost:\n  role: server\n",
		"leading blank lines": "\n\n#cloud-config\nhostname: a\noutpost:\n  role: server\n",
	}
	for name, text := range cases {
		l, err := DecodeConfig("x", []byte(text))
		if err != nil || l.Config.Role != config.RoleServer || l.Config.Hostname != "a" {
			t.Errorf("%s: %+v %v", name, l, err)
		}
	}
	if _, err := DecodeConfig("x", []byte("- outpost\n- b\n")); err == nil {
		t.Errorf("a list is not a configuration")
	}
}
