package cluster_test

import (
	"fmt"
	"testing"

	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/tests/vm"
)

// socketNet is the second NIC of a VM, on a QEMU socket network between
// VMs on 127.0.0.1 (the server listens, agents connect).
type socketNet struct {
	port   int
	listen bool
	mac    string
}

func (s socketNet) args() []string {
	mode := "connect"
	if s.listen {
		mode = "listen"
	}
	return []string{
		"-netdev", fmt.Sprintf("socket,id=cl0,%s=127.0.0.1:%d", mode, s.port),
		"-device", "virtio-net-pci,netdev=cl0,mac=" + s.mac,
	}
}

// node is one booted VM of these tests.
type node struct {
	*vm.Node
	// opts boots it again after a power cut.
	opts qemu.Options
}

// bootNode boots a node from its own copy of disk.img (kernel and initrd
// booted directly, the fast path; slot A as the root, the state partition
// kept across reboots) with config handed over through fw_cfg.
func bootNode(t *testing.T, name, config string, extra ...string) *node {
	t.Helper()
	return bootNodeWith(t, name, config, nil, extra...)
}

// guestJoin lets a guest reach a join API forwarded to the host at
// 10.0.2.100:9345.
func guestJoin(hostPort int) []qemu.GuestForward {
	return []qemu.GuestForward{{Guest: "10.0.2.100:9345", Relay: fmt.Sprintf("%s debug connect 127.0.0.1:%d", binary, hostPort)}}
}

func bootNodeWith(t *testing.T, name, config string, guest []qemu.GuestForward, extra ...string) *node {
	t.Helper()
	b, dir := vm.Board(t, imageDir, boardName)
	o := vm.DirectDisk(b, dir, vm.Disk(t, dir, 0))
	o.GuestForwards, o.Extra = guest, extra
	return &node{Node: vm.BootNode(t, o, name, config), opts: o}
}
