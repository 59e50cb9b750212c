//go:build containerd

package main

import "testing"

func TestRuntimeCommandNames(t *testing.T) {
	cases := []struct {
		argv []string
		shim bool // started by the shim itself
		want string
	}{
		{[]string{"/usr/bin/containerd", "--config", "c.toml"}, false, "containerd"},
		{[]string{"/usr/lib/outpost/containerd", "--config", "c.toml"}, false, "containerd"},
		{[]string{"/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "start"}, false, "containerd-shim-runc-v2"},
		// The shim's start runs /proc/self/exe, whatever its name.
		{[]string{"/usr/lib/outpost/containerd", "-namespace", "k8s.io", "-id", "x"}, true, "containerd-shim-runc-v2"},
		{[]string{"/tmp/outpost-runtime", "-namespace", "k8s.io", "-id", "x"}, true, "containerd-shim-runc-v2"},
		{[]string{"outpost", "images-import", "/usr/share/outpost/images"}, false, "images-import"},
	}
	for _, c := range cases {
		if c.shim {
			t.Setenv(shimEnv, "1")
		} else {
			t.Setenv(shimEnv, "")
		}
		if got, _ := commandName(c.argv); got != c.want {
			t.Errorf("commandName(%q), shim %v = %q, want %q", c.argv, c.shim, got, c.want)
		}
		if !isCommand(c.want) {
			t.Errorf("%s is not a command of this build", c.want)
		}
	}
}
