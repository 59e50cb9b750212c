//go:build shim

package main

import "testing"

func TestShimCommandNames(t *testing.T) {
	cases := []struct {
		argv []string
		shim bool // started by the shim itself
	}{
		{[]string{"/usr/bin/containerd-shim-runc-v2", "-namespace", "k8s.io", "start"}, false},
		{[]string{"/usr/lib/outpost/containerd-shim-runc-v2", "-namespace", "k8s.io", "-id", "x"}, true},
		// The shim's start runs /proc/self/exe, whatever its name.
		{[]string{"/tmp/outpost-shim", "-namespace", "k8s.io", "-id", "x"}, true},
	}
	for _, c := range cases {
		if c.shim {
			t.Setenv(shimEnv, "1")
		} else {
			t.Setenv(shimEnv, "")
		}
		if got, _ := commandName(c.argv); got != "containerd-shim-runc-v2" {
			t.Errorf("commandName(%q), shim %v = %q, want containerd-shim-runc-v2", c.argv, c.shim, got)
		}
	}
	if !isCommand("containerd-shim-runc-v2") || isCommand("containerd") {
		t.Error("the shim build must carry the shim and not containerd")
	}
}
