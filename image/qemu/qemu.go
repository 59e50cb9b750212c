// Package qemu boots an image's artifacts in QEMU: direct kernel boot
// with the root image as a read-only virtio disk, or disk.img through the
// board's UEFI firmware as a real box boots; user networking with
// restrict=on and host forwards bound to 127.0.0.1 only, serial console on
// stdio.
package qemu

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/board"
)

// Forward maps a TCP port on 127.0.0.1 to a port of the guest.
type Forward struct {
	Host, Guest int
}

// GuestForward makes a TCP address inside the guest's user network reach a
// port on the host's 127.0.0.1 (QEMU's guestfwd, which restrict=on
// allows: it is the one way out a test opens on purpose). QEMU runs Relay
// on the host for each connection, with the connection on its stdin and
// stdout; `outpost debug connect 127.0.0.1:PORT` is such a relay.
type GuestForward struct {
	// Guest is an address in 10.0.2.0/24 the guest connects to, such as
	// 10.0.2.100:9345.
	Guest string
	Relay string
}

// Options say how to boot.
type Options struct {
	Board board.Board
	// Kernel, Initrd and Root are the artifacts of a direct kernel boot;
	// Root "" boots without a root disk.
	Kernel, Initrd, Root string
	// Disk is a writable raw disk image (disk.img) on the board's disk
	// device, with a direct kernel boot (root=PARTLABEL=... in Cmdline)
	// or, with UEFI, booted by the firmware.
	Disk string
	// UEFI boots Disk through the board's firmware, whose variable store
	// is Vars (a writable copy of the firmware's template, made by
	// PrepareVars).
	UEFI     bool
	Vars     string
	MemoryMB int // default 2048
	CPUs     int // default 2
	// Cmdline is appended to the board's kernel command line.
	Cmdline  []string
	Forwards []Forward
	// GuestForwards reach host ports from the guest.
	GuestForwards []GuestForward
	// Monitor, if set, is a unix socket for QEMU's human monitor
	// (system_powerdown, sendkey); otherwise the monitor shares stdio
	// (ctrl-a c) as with -nographic.
	Monitor string
	// NoReboot makes a guest reboot end QEMU.
	NoReboot bool
	Extra    []string
	Stdin    io.Reader
	Stdout   io.Writer
}

// FromDir fills the artifact paths from an image folder.
func FromDir(o Options, dir string) Options {
	o.Kernel = filepath.Join(dir, "kernel")
	o.Initrd = filepath.Join(dir, "initrd")
	o.Root = filepath.Join(dir, "rootfs.squashfs")
	return o
}

// Args returns QEMU's arguments (without the binary).
func Args(o Options) []string {
	if o.MemoryMB == 0 {
		o.MemoryMB = 2048
	}
	if o.CPUs == 0 {
		o.CPUs = 2
	}
	args := append([]string{}, o.Board.QEMU.Machine...)
	args = append(args, "-m", fmt.Sprint(o.MemoryMB), "-smp", fmt.Sprint(o.CPUs))
	if o.UEFI {
		fw := o.Board.QEMU.Firmware
		args = append(args, "-drive", "if=pflash,format=raw,unit=0,readonly=on,file="+fw.Code,
			"-drive", "if=pflash,format=raw,unit=1,file="+o.Vars)
	} else {
		args = append(args, "-kernel", o.Kernel, "-initrd", o.Initrd, "-append", Cmdline(o))
	}
	// i6300esb is the hardware watchdog PID 1 arms: a guest that hangs
	// is reset, as a box would be.
	args = append(args, "-display", "none", "-no-user-config", "-nodefaults", "-device", "virtio-rng-pci", "-device", "i6300esb")
	if o.Root != "" {
		args = append(args, "-drive", "file="+o.Root+",if=virtio,format=raw,readonly=on")
	}
	if o.Disk != "" {
		args = append(args, "-drive", "file="+o.Disk+",if=none,id=disk0,format=raw,cache=writeback",
			"-device", diskDevice(o.Board.QEMU.DiskDevice))
	}
	args = append(args, "-netdev", netdev(o.Forwards, o.GuestForwards), "-device", o.Board.QEMU.NetDevice+",netdev=net0")
	if o.Monitor != "" {
		args = append(args, "-serial", "stdio", "-monitor", "unix:"+o.Monitor+",server=on,wait=off")
	} else {
		args = append(args, "-serial", "mon:stdio")
	}
	if o.NoReboot {
		args = append(args, "-no-reboot")
	}
	return append(args, o.Extra...)
}

// Cmdline is the kernel command line of a direct boot: the board's
// consoles and panic reboot, then extras.
func Cmdline(o Options) string {
	return strings.Join(append(o.Board.KernelArgs(), o.Cmdline...), " ")
}

// diskDevice attaches drive disk0 with model (an NVMe disk needs a
// serial number).
func diskDevice(model string) string {
	if model == "nvme" {
		return "nvme,drive=disk0,serial=outpost0"
	}
	return model + ",drive=disk0"
}

func netdev(fwds []Forward, guest []GuestForward) string {
	var b strings.Builder
	b.WriteString("user,id=net0,restrict=on")
	for _, f := range fwds {
		fmt.Fprintf(&b, ",hostfwd=tcp:127.0.0.1:%d-:%d", f.Host, f.Guest)
	}
	for _, g := range guest {
		// A comma in an option value is written twice.
		fmt.Fprintf(&b, ",guestfwd=tcp:%s-cmd:%s", g.Guest, strings.ReplaceAll(g.Relay, ",", ",,"))
	}
	return b.String()
}

// Command returns the QEMU process for o, checking the artifacts first.
func Command(ctx context.Context, o Options) (*exec.Cmd, error) {
	files := []string{o.Root, o.Disk}
	if o.UEFI {
		if o.Disk == "" {
			return nil, fmt.Errorf("a UEFI boot needs a disk image (disk.img)")
		}
		fw := o.Board.QEMU.Firmware
		if _, err := os.Stat(fw.Code); err != nil {
			return nil, fmt.Errorf("UEFI firmware %s: %w (install Debian's %s: make deps does this)", fw.Code, err, fw.Package)
		}
		files = append(files, o.Vars)
	} else {
		files = append(files, o.Kernel, o.Initrd)
	}
	for _, p := range files {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("image artifact %s: %w (build the image first: make image)", p, err)
		}
	}
	bin, err := exec.LookPath(o.Board.QEMU.Binary)
	if err != nil {
		return nil, fmt.Errorf("%s not found: install Debian's qemu-system-x86 and qemu-system-arm (make deps does this)", o.Board.QEMU.Binary)
	}
	cmd := exec.CommandContext(ctx, bin, Args(o)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stdout
	return cmd, nil
}
