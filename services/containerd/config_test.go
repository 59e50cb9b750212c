package containerd

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"

	"github.com/outpost-os/outpost/services/baked"
	"github.com/outpost-os/outpost/services/paths"
)

// lookup walks a parsed TOML document along keys.
func lookup(t *testing.T, doc map[string]any, keys ...string) any {
	t.Helper()
	var cur any = doc
	for i, k := range keys {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("%s is not a table", strings.Join(keys[:i], "."))
		}
		if cur, ok = m[k]; !ok {
			t.Fatalf("config has no %s", strings.Join(keys[:i+1], "."))
		}
	}
	return cur
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	c := Defaults()
	c.Root, c.State = filepath.Join(dir, "root"), filepath.Join(dir, "state")
	c.Socket = filepath.Join(dir, "state", "containerd.sock")
	c.ConfigFile = filepath.Join(dir, "etc", "containerd", "config.toml")
	c.CNIConfDir = filepath.Join(dir, "etc", "cni", "net.d")
	if err := c.WriteConfig(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(c.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# containerd configuration written by Outpost") {
		t.Errorf("no header:\n%s", data)
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("config does not parse: %v\n%s", err, data)
	}
	plugin := func(keys ...string) any { return lookup(t, doc, append([]string{"plugins"}, keys...)...) }
	runc := []string{pluginCRIRuntime, "containerd", "runtimes", "runc"}
	want := []struct {
		got, want any
		what      string
	}{
		{lookup(t, doc, "version"), int64(ConfigVersion), "version"},
		{lookup(t, doc, "root"), c.Root, "root"},
		{lookup(t, doc, "state"), c.State, "state"},
		{plugin(pluginGRPC, "address"), c.Socket, "grpc address"},
		{plugin(pluginTTRPC, "address"), c.Socket + ".ttrpc", "ttrpc address"},
		{plugin(pluginCRIImages, "snapshotter"), "overlayfs", "snapshotter"},
		{plugin(pluginCRIImages, "pinned_images", "sandbox"), baked.Pause, "sandbox image"},
		{plugin(pluginCRIRuntime, "containerd", "default_runtime_name"), "runc", "default runtime"},
		{plugin(append(runc, "runtime_type")...), "io.containerd.runc.v2", "runtime type"},
		{plugin(append(runc, "options", "BinaryName")...), "/usr/sbin/runc", "runc binary"},
		{plugin(append(runc, "options", "SystemdCgroup")...), false, "SystemdCgroup"},
		{plugin(pluginCRIRuntime, "cni", "conf_dir"), c.CNIConfDir, "CNI conf dir"},
		{plugin(pluginCRIGRPC, "stream_server_address"), "127.0.0.1", "stream server"},
	}
	for _, w := range want {
		if w.got != w.want {
			t.Errorf("%s = %#v, want %#v", w.what, w.got, w.want)
		}
	}
	if bins, _ := plugin(pluginCRIRuntime, "cni", "bin_dirs").([]any); len(bins) != 1 || bins[0] != "/usr/lib/cni" {
		t.Errorf("CNI bin dirs = %v", bins)
	}
	if _, ok := doc["plugins"].(map[string]any)["io.containerd.cri.v1.images"].(map[string]any)["registry"]; ok {
		t.Error("registry mirrors configured; none are needed")
	}
	for _, d := range []string{c.Root, c.State, c.CNIConfDir} {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			t.Errorf("folder %s not made: %v", d, err)
		}
	}
	if st, _ := os.Stat(c.ConfigFile); st.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v", st.Mode())
	}
}

func TestDefaults(t *testing.T) {
	c := Defaults()
	if c.Binary != paths.RuntimeBinary || c.Socket != "/run/outpost/containerd/containerd.sock" ||
		c.Root != "/var/lib/outpost/agent/containerd" || c.SandboxImage != baked.Pause {
		t.Errorf("defaults: %+v", c)
	}
	if c.Endpoint() != "unix:///run/outpost/containerd/containerd.sock" {
		t.Errorf("endpoint %s", c.Endpoint())
	}
	cmd := c.Command()
	if cmd.Path != paths.RuntimeBinary || cmd.Argv0 != "containerd" ||
		!slices.Equal(cmd.Args, []string{"--config", DefaultConfigFile}) || cmd.Ready == nil {
		t.Errorf("command: %+v", cmd)
	}
}

func TestEnv(t *testing.T) {
	c := Defaults()
	if env := c.Env(); !slices.Equal(env, []string{"PATH=" + DefaultPath}) {
		t.Errorf("without a proxy: %v", env)
	}
	c.HTTPSProxy = "http://proxy.example:3128"
	c.NoProxy = "intranet.example, 10.43.0.0/16"
	env := c.Env()
	want := "NO_PROXY=intranet.example,10.43.0.0/16,localhost,127.0.0.1,::1,10.42.0.0/16,.svc,.cluster.local"
	if !slices.Contains(env, "HTTPS_PROXY=http://proxy.example:3128") || !slices.Contains(env, want) {
		t.Errorf("env %v\nwant %s", env, want)
	}
	if slices.ContainsFunc(env, func(s string) bool { return strings.HasPrefix(s, "HTTP_PROXY=") }) {
		t.Errorf("HTTP_PROXY set though none was given: %v", env)
	}
}
