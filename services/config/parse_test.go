package config

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func parseFile(t *testing.T, name string) *Layer {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse(SourceState, data)
	if err != nil {
		t.Fatalf("parse %s: %v", name, err)
	}
	return l
}

func TestParseFull(t *testing.T) {
	l := parseFile(t, "full.yaml")
	if len(l.Warnings) != 0 {
		t.Errorf("warnings: %v", l.Warnings)
	}
	c := l.Config
	if c.Hostname != "edge-01" || c.Role != RoleAgent || c.Server != "https://10.0.0.1:6443" {
		t.Errorf("identity: %+v", c)
	}
	if c.NodeLabels["topology.kubernetes.io/zone"] != "shop-12" || c.Sysctls["vm.max_map_count"] != "262144" {
		t.Errorf("maps: %v %v", c.NodeLabels, c.Sysctls)
	}
	if !slices.Equal(c.KubeletArgs, []string{"max-pods=50", "--v=2"}) {
		t.Errorf("kubelet args: %v", c.KubeletArgs)
	}
	if n := c.Network; len(n.Interfaces) != 2 || n.Interfaces[0].Routes[0].Metric != 100 || n.Interfaces[1].UsesDHCP() != true || n.Interfaces[0].UsesDHCP() {
		t.Errorf("network: %+v", n)
	}
	if got, err := c.WriteFiles[1].Decode(); err != nil || string(got) != "hello world" {
		t.Errorf("write_files[1]: %q, %v", got, err)
	}
	if l.Keys["role"] != 4 || l.Lines["network.interfaces[0].routes[0].via"] != 37 {
		t.Errorf("lines: role %d, via %d", l.Keys["role"], l.Lines["network.interfaces[0].routes[0].via"])
	}
	if _, ok := l.Keys["kube_apiserver_args"]; !ok {
		t.Errorf("an explicit empty list should count as set")
	}
	if errs := Merge(l).Validate(); len(errs) != 0 {
		t.Errorf("full.yaml should be valid: %v", errs)
	}
}

func TestValidateReportsEveryErrorWithLine(t *testing.T) {
	l := parseFile(t, "invalid.yaml")
	if len(l.Warnings) != 1 || l.Warnings[0].Path != "colour" || l.Warnings[0].Line != 4 {
		t.Errorf("want one warning for colour at line 4, got %v", l.Warnings)
	}
	errs := Merge(l).Validate()
	want := map[string]int{
		"hostname":                           1,
		"role":                               2,
		"server":                             3,
		"node_labels.bad label":              6,
		"node_taints[0]":                     8,
		"node_ip":                            9,
		"modules[0]":                         10,
		"write_files[0].path":                12,
		"write_files[0].permissions":         13,
		"write_files[0].content":             15,
		"network.interfaces[0]":              18,
		"network.interfaces[0].addresses[0]": 18,
		"network.interfaces[0].mtu":          19,
		"ntp.servers[0]":                     21,
	}
	got := map[string]int{}
	for _, e := range errs {
		got[e.Path] = e.Line
		if e.Source != SourceState {
			t.Errorf("%s: source %q, want %q", e.Path, e.Source, SourceState)
		}
		if !strings.Contains(e.Error(), "line ") {
			t.Errorf("error without line: %v", e)
		}
	}
	for p, line := range want {
		if got[p] != line {
			t.Errorf("%s: line %d, want %d (all: %v)", p, got[p], line, errs)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%v", len(errs), len(want), errs)
	}
}

func TestParseTypeErrorsHaveLines(t *testing.T) {
	data, _ := os.ReadFile("testdata/types.yaml")
	_, err := Parse("fw_cfg", data)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("want Errors, got %v", err)
	}
	lines := map[int]bool{}
	for _, e := range errs {
		lines[e.Line] = true
		if e.Source != "fw_cfg" {
			t.Errorf("source %q", e.Source)
		}
	}
	for _, l := range []int{2, 3, 4} {
		if !lines[l] {
			t.Errorf("no error on line %d: %v", l, errs)
		}
	}
}

func TestParseSyntaxError(t *testing.T) {
	data, _ := os.ReadFile("testdata/syntax.yaml")
	_, err := Parse("nocloud", data)
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 3 {
		t.Fatalf("want one error on line 3 (where yaml sees the broken mapping), got %#v", err)
	}
}

func TestParseRejectsHugeInput(t *testing.T) {
	data := []byte("hostname: x\n" + strings.Repeat("# padding\n", MaxSize/10+1))
	_, err := Parse("state", data)
	if err == nil || !strings.Contains(err.Error(), "limit") {
		t.Fatalf("want a size error, got %v", err)
	}
}

func TestParseNotAMapping(t *testing.T) {
	for _, in := range []string{"- a\n- b\n", "just text\n"} {
		if _, err := Parse("state", []byte(in)); err == nil || !strings.Contains(err.Error(), "mapping") {
			t.Errorf("%q: want a mapping error, got %v", in, err)
		}
	}
	l, err := Parse("state", []byte("# only a comment\n"))
	if err != nil || !l.Empty() {
		t.Errorf("empty document: %v %+v", err, l)
	}
}

func TestRoleRequired(t *testing.T) {
	errs := Validate(&Config{})
	if len(errs) != 1 || errs[0].Path != "role" {
		t.Fatalf("want a role error, got %v", errs)
	}
	errs = Validate(&Config{Role: RoleAgent})
	paths := []string{}
	for _, e := range errs {
		paths = append(paths, e.Path)
	}
	if !slices.Equal(paths, []string{"server", "token"}) {
		t.Fatalf("agent without server and token: %v", errs)
	}
}

func TestValidateNeverShowsToken(t *testing.T) {
	secret := "K10abc::server:top secret"
	for _, e := range Validate(&Config{Role: RoleAgent, Token: secret, TokenFile: "rel"}) {
		if strings.Contains(e.Error(), "top secret") {
			t.Fatalf("token leaked in %v", e)
		}
	}
}

func TestWriteFileEncodings(t *testing.T) {
	cases := []struct {
		w    WriteFile
		want string
		err  bool
	}{
		{WriteFile{Content: "plain"}, "plain", false},
		{WriteFile{Content: "aGk=", Encoding: "base64"}, "hi", false},
		{WriteFile{Content: "aGk", Encoding: "b64"}, "hi", false},
		{WriteFile{Content: gzipB64("hi"), Encoding: "gz+b64"}, "hi", false},
		{WriteFile{Content: "x", Encoding: "rot13"}, "", true},
		{WriteFile{Content: "not gzip", Encoding: "gzip"}, "", true},
	}
	for _, c := range cases {
		got, err := c.w.Decode()
		if (err != nil) != c.err || string(got) != c.want {
			t.Errorf("%+v: %q, %v", c.w, got, err)
		}
	}
	if m, err := (WriteFile{Permissions: "0755"}).Mode(); err != nil || m != 0o755 {
		t.Errorf("mode: %v %v", m, err)
	}
	if m, _ := (WriteFile{}).Mode(); m != DefaultFileMode {
		t.Errorf("default mode %v", m)
	}
}

func gzipB64(s string) string {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(buf.Bytes())
}

func TestServerKeysKnownAndChecked(t *testing.T) {
	good := "role: server\ncluster_cidr: 10.52.0.0/16\nservice_cidr: 10.53.0.0/16\ncluster_dns: 10.53.0.10\nhttps_listen_port: 7443\ndisable_agent: true\ndisable: [coredns]\nagent_token: abc\nsecrets_encryption: false\n"
	l, err := Parse("file", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Warnings) != 0 {
		t.Errorf("server keys warned about: %v", l.Warnings)
	}
	e := Merge(l)
	if errs := e.Validate(); len(errs) != 0 {
		t.Errorf("valid server keys refused: %v", errs)
	}
	if e.Config.SecretsEncryption == nil || *e.Config.SecretsEncryption {
		t.Errorf("secrets_encryption: false read as %v", e.Config.SecretsEncryption)
	}
	if e.Config.ClusterCIDR != "10.52.0.0/16" || e.Config.HTTPSListenPort != 7443 || !e.Config.DisableAgent || len(e.Config.Disable) != 1 {
		t.Errorf("parsed %+v", e.Config)
	}
	var shown strings.Builder
	e.Show(&shown)
	if strings.Contains(shown.String(), "abc") {
		t.Errorf("agent token shown:\n%s", shown.String())
	}
	bad, err := Parse("file", []byte("role: server\ncluster_cidr: 10.52.0.0\nhttps_listen_port: 70000\n"))
	if err != nil {
		t.Fatal(err)
	}
	errs := Merge(bad).Validate()
	if !strings.Contains(errs.Error(), "cluster_cidr") || !strings.Contains(errs.Error(), "https_listen_port") {
		t.Errorf("bad server keys: %v", errs)
	}
}

func TestBootDeadline(t *testing.T) {
	for v, ok := range map[string]bool{"": true, "15m": true, "30s": true, "5s": false, "soon": false, "-1h": false} {
		errs := Validate(&Config{Role: RoleServer, BootDeadline: v})
		if got := len(errs) == 0; got != ok {
			t.Errorf("boot_deadline %q: errors %v", v, errs)
		}
	}
	if d := (&Config{BootDeadline: "15m"}).Deadline(); d != 15*time.Minute {
		t.Errorf("Deadline = %s", d)
	}
	if d := (&Config{}).Deadline(); d != DefaultBootDeadline {
		t.Errorf("default Deadline = %s", d)
	}
}
