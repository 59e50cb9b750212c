package config

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func mustParse(t *testing.T, source, text string) *Layer {
	t.Helper()
	l, err := Parse(source, []byte(text))
	if err != nil {
		t.Fatalf("%s: %v", source, err)
	}
	return l
}

func TestMergePrecedenceAndProvenance(t *testing.T) {
	state := mustParse(t, SourceState, "role: server\nhostname: from-state\nnode_labels: {a: state, b: state}\nmodules: [m1]\n")
	ec2 := LayerOf(SourceEC2, Config{Hostname: "from-ec2", InstanceID: "i-1", NodeIP: "10.0.0.5"})
	nocloud := mustParse(t, SourceNoCloud, "hostname: from-nocloud\nnode_labels:\n  b: nocloud\n")
	nocloud.Origin = "/dev/sr0"
	cmdline := LayerOf(SourceCmdline, Config{Role: RoleAgent, Server: "https://s:6443", Token: "t"})

	// Given in scrambled order: Merge applies the fixed precedence.
	e := Merge(state, cmdline, ec2, nil, nocloud)
	c := e.Config
	checks := []struct{ key, value, source string }{
		{"role", string(c.Role), SourceCmdline},
		{"hostname", c.Hostname, "nocloud (/dev/sr0)"},
		{"instance_id", c.InstanceID, SourceEC2},
		{"node_ip", c.NodeIP, SourceEC2},
		{"node_labels.a", c.NodeLabels["a"], SourceState},
		{"node_labels.b", c.NodeLabels["b"], "nocloud (/dev/sr0)"},
		{"modules", strings.Join(c.Modules, ","), SourceState},
		{"data_dir", c.DataDir, SourceDefault},
	}
	want := map[string]string{"role": "agent", "hostname": "from-nocloud", "instance_id": "i-1", "node_ip": "10.0.0.5",
		"node_labels.a": "state", "node_labels.b": "nocloud", "modules": "m1", "data_dir": DefaultDataDir}
	for _, ch := range checks {
		if ch.value != want[ch.key] {
			t.Errorf("%s = %q, want %q", ch.key, ch.value, want[ch.key])
		}
		if got := e.Source(ch.key); got != ch.source {
			t.Errorf("source of %s = %q, want %q", ch.key, got, ch.source)
		}
	}
	// The layers themselves are not changed by a merge.
	if state.Config.Hostname != "from-state" || nocloud.Config.NodeLabels["a"] != "" {
		t.Errorf("merge changed its inputs")
	}
}

func TestMergeEveryPairOfSources(t *testing.T) {
	p := Precedence()
	for i := range p {
		for j := i + 1; j < len(p); j++ {
			hi := LayerOf(p[i], Config{Hostname: "h" + p[i]})
			lo := LayerOf(p[j], Config{Hostname: "h" + p[j]})
			for _, e := range []*Effective{Merge(hi, lo), Merge(lo, hi)} {
				if e.Config.Hostname != "h"+p[i] || e.Source("hostname") != p[i] {
					t.Errorf("%s over %s: got %q from %q", p[i], p[j], e.Config.Hostname, e.Source("hostname"))
				}
			}
		}
	}
}

func TestMergedValidationNamesSourceAndLine(t *testing.T) {
	cmd := LayerOf(SourceCmdline, Config{Role: "boss"})
	state := mustParse(t, SourceState, "role: server\n\nnode_ip: nope\n")
	errs := Merge(cmd, state).Validate()
	if len(errs) != 2 {
		t.Fatalf("want 2 errors, got %v", errs)
	}
	if errs[0].Path != "role" || errs[0].Source != SourceCmdline || errs[0].Line != 0 {
		t.Errorf("role error: %+v", errs[0])
	}
	if errs[1].Path != "node_ip" || errs[1].Source != SourceState || errs[1].Line != 3 {
		t.Errorf("node_ip error: %+v", errs[1])
	}
	if s := errs[1].Error(); s != `state: line 3: node_ip: "nope" is not an IP address` {
		t.Errorf("message: %s", s)
	}
}

func TestShowMasksSecrets(t *testing.T) {
	l := mustParse(t, SourceFwCfg, "role: server\ntoken: K10abc::server:hunter2\ndatastore_endpoint: postgres://u:pa55word@db:5432/k8s\nnode_labels: {zone: a}\n")
	var buf bytes.Buffer
	if err := Merge(l).Show(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, secret := range []string{"hunter2", "pa55word"} {
		if strings.Contains(out, secret) {
			t.Errorf("secret %q in show output:\n%s", secret, out)
		}
	}
	for _, want := range []string{"token", Mask, "postgres://u:" + Mask + "@db:5432/k8s", "node_labels.zone", "fw_cfg", "data_dir", "default"} {
		if !strings.Contains(out, want) {
			t.Errorf("show output lacks %q:\n%s", want, out)
		}
	}
}

func TestSaveAtomicRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "etc", "outpost", "config.yaml")
	cfg := parseFile(t, "full.yaml").Config
	if err := Save(path, &cfg); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
	data, _ := os.ReadFile(path)
	back := mustParse(t, SourceState, string(data))
	if len(back.Warnings) != 0 {
		t.Errorf("warnings on re-read: %v", back.Warnings)
	}
	cfg.KubeAPIServerArgs = nil // an empty list is not written
	if !reflect.DeepEqual(back.Config, cfg) {
		t.Errorf("round trip differs:\n%+v\n%+v", back.Config, cfg)
	}
	// Overwrite replaces the file whole.
	if err := Save(path, &Config{Role: RoleServer}); err != nil {
		t.Fatal(err)
	}
	data, _ = os.ReadFile(path)
	if strings.Contains(string(data), "edge-01") {
		t.Errorf("old content left after overwrite:\n%s", data)
	}
}

func TestSaveFailsCleanly(t *testing.T) {
	dir := t.TempDir()
	blocker := filepath.Join(dir, "file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Save(filepath.Join(blocker, "config.yaml"), &Config{})
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("want an error naming %s, got %v", blocker, err)
	}
}

func TestMergeOneJoinSecret(t *testing.T) {
	cmd := LayerOf(SourceCmdline, Config{Role: RoleAgent, Server: "https://s:6443", Token: "secret"})
	state := LayerOf(SourceState, Config{TokenFile: "/var/lib/outpost/token"})
	e := Merge(state, cmd)
	if e.Config.Token != "secret" || e.Config.TokenFile != "" || e.Source("token_file") != "" {
		t.Errorf("higher token should drop the lower token_file: %+v", e.Config)
	}
	if errs := e.Validate(); len(errs) != 0 {
		t.Errorf("errors: %v", errs)
	}
	e = Merge(LayerOf(SourceFwCfg, Config{TokenFile: "/t"}), LayerOf(SourceEC2, Config{Token: "x"}))
	if e.Config.Token != "" || e.Config.TokenFile != "/t" {
		t.Errorf("higher token_file should drop the lower token: %+v", e.Config)
	}
	both := mustParse(t, SourceState, "role: server\ntoken: a\ntoken_file: /t\n")
	errs := Merge(both).Validate()
	if len(errs) != 1 || errs[0].Path != "token_file" || errs[0].Line != 3 {
		t.Errorf("one source with both: %v", errs)
	}
}

func TestRedactDatastoreURL(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u:pa55@db:5432/k8s":                     "postgres://u:" + Mask + "@db:5432/k8s",
		"postgres://db:5432/k8s?password=pa55&sslmode=none": "postgres://db:5432/k8s?password=" + Mask + "&sslmode=none",
		"mysql://u:pa55@tcp(db:3306)/k8s":                   Mask,
		"postgres://db/k8s?sslmode=require":                 "postgres://db/k8s?sslmode=require",
		"https://etcd:2379":                                 "https://etcd:2379",
	} {
		got := redactURL(in)
		if got != want || strings.Contains(got, "pa55") {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzRedactURL(f *testing.F) {
	f.Add("postgres://u:secret@db/x?password=secret")
	f.Fuzz(func(t *testing.T, s string) {
		if strings.Contains(s, "password=secret") && strings.Contains(redactURL(s), "password=secret") {
			t.Errorf("redactURL(%q) kept the password", s)
		}
	})
}

// Every key of Config is merged: a field the merge table misses would be
// dropped between the sources and the effective configuration.
func TestEveryKeyIsMerged(t *testing.T) {
	merged := map[string]bool{}
	for _, f := range fields() {
		merged[f.key] = true
	}
	for name := range mapFields() {
		merged[name] = true
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		key, _, _ := strings.Cut(ct.Field(i).Tag.Get("yaml"), ",")
		if !merged[key] {
			t.Errorf("config key %s (Config.%s) is not in the merge's fields()", key, ct.Field(i).Name)
		}
	}
	l := NewLayer(SourceNoCloud)
	l.Config.BootDeadline, l.Keys["boot_deadline"] = "20m", 1
	if got := Merge(l).Config.BootDeadline; got != "20m" {
		t.Errorf("boot_deadline after the merge: %q", got)
	}
}
