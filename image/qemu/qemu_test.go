package qemu

import (
	"os"
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

func TestUEFIDiskBoot(t *testing.T) {
	b, _ := board.Lookup("metal-x86_64")
	o := Options{Board: b, Disk: "/img/disk.img", UEFI: true, Vars: "/img/efivars.fd"}
	args := strings.Join(Args(o), " ")
	for _, want := range []string{
		"if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
		"if=pflash,format=raw,unit=1,file=/img/efivars.fd",
		"file=/img/disk.img,if=none,id=disk0,format=raw", "-device nvme,drive=disk0,serial=outpost0",
		"-device e1000e,netdev=net0",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q:\n%s", want, args)
		}
	}
	if strings.Contains(args, "-kernel") || strings.Contains(args, "-append") {
		t.Errorf("a UEFI boot passes a kernel: %s", args)
	}
	if got := Cmdline(Options{Board: b}); got != "console=tty0 console=ttyS0,115200 panic=10" {
		t.Errorf("metal-x86_64 cmdline = %q", got)
	}
}

func TestGrowDisk(t *testing.T) {
	p := t.TempDir() + "/disk.img"
	os.WriteFile(p, make([]byte, 4096), 0o644)
	if err := GrowDisk(p, 1<<30); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(p); st.Size() != 1<<30 {
		t.Errorf("size after growth: %d", st.Size())
	}
	if err := GrowDisk(p, 4096); err == nil || !strings.Contains(err.Error(), "would cut it") {
		t.Errorf("shrinking: %v", err)
	}
}
