package main

import (
	"strings"
	"testing"
)

func TestCommandName(t *testing.T) {
	cases := []struct {
		argv []string
		want string
	}{
		{[]string{"/init"}, "init"},
		{[]string{"/sbin/init", "single"}, "init"},
		{[]string{"/usr/lib/outpost/init", "console"}, "console"},
		{[]string{"/usr/lib/outpost/init", "debug", "orphan"}, "debug"},
		{[]string{"/sbin/modprobe", "-q", "--", "crypto-crc32c"}, "modprobe"},
		{[]string{"/usr/bin/outpost", "image", "build"}, "image"},
		{[]string{"outpost"}, ""},
	}
	for _, c := range cases {
		got, _ := commandName(c.argv)
		if got != c.want {
			t.Errorf("commandName(%q) = %q, want %q", strings.Join(c.argv, " "), got, c.want)
		}
	}
}
