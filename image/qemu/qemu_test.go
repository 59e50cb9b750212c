package qemu

import (
	"strings"
	"testing"

	"github.com/outpost-os/outpost/board"
)

func TestArgsRestrictAndLoopbackForwards(t *testing.T) {
	b, _ := board.Lookup("qemu-x86_64")
	o := FromDir(Options{Board: b, Forwards: []Forward{{Host: 16443, Guest: 6443}}, Cmdline: []string{"outpost.console=on"}}, "/img")
	args := strings.Join(Args(o), " ")
	for _, want := range []string{
		"user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:16443-:6443",
		"-kernel /img/kernel", "-initrd /img/initrd",
		"file=/img/rootfs.squashfs,if=virtio,format=raw,readonly=on",
		"console=ttyS0 panic=10 outpost.console=on",
		"-serial mon:stdio",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q:\n%s", want, args)
		}
	}
	if strings.Contains(args, "hostfwd=tcp::") || strings.Contains(args, "0.0.0.0") {
		t.Errorf("a forward is not bound to 127.0.0.1: %s", args)
	}
}

func TestGuestForwardsReachHostLoopback(t *testing.T) {
	b, _ := board.Lookup("qemu-x86_64")
	o := FromDir(Options{Board: b, GuestForwards: []GuestForward{{Guest: "10.0.2.100:9345", Relay: "/bin/outpost debug connect 127.0.0.1:19345"}}}, "/img")
	args := strings.Join(Args(o), " ")
	if !strings.Contains(args, "user,id=net0,restrict=on,guestfwd=tcp:10.0.2.100:9345-cmd:/bin/outpost debug connect 127.0.0.1:19345") {
		t.Errorf("guest forward missing or not to 127.0.0.1: %s", args)
	}
}

func TestArmConsole(t *testing.T) {
	b, _ := board.Lookup("qemu-arm64")
	if got := Cmdline(Options{Board: b}); !strings.HasPrefix(got, "console=ttyAMA0") {
		t.Errorf("cmdline = %s", got)
	}
}
