//go:build containerd

package main

import "testing"

func TestDaemonCommandNames(t *testing.T) {
	cases := []struct {
		argv []string
		want string
	}{
		{[]string{"/usr/bin/containerd", "--config", "c.toml"}, "containerd"},
		{[]string{"/usr/lib/outpost/containerd", "--config", "c.toml"}, "containerd"},
		{[]string{"outpost", "images-import", "/usr/share/outpost/images"}, "images-import"},
	}
	for _, c := range cases {
		if got, _ := commandName(c.argv); got != c.want {
			t.Errorf("commandName(%q) = %q, want %q", c.argv, got, c.want)
		}
		if !isCommand(c.want) {
			t.Errorf("%s is not a command of this build", c.want)
		}
	}
	if isCommand("containerd-shim-runc-v2") {
		t.Error("the runtime build carries the shim; it belongs to the outpost-shim build")
	}
}
