// Package cluster_test boots the x86_64 image in QEMU as a working node and
// proves it from the host through 127.0.0.1 port forwards: the node becomes
// Ready, a Deployment of the baked test image runs, kubectl logs and exec
// work, a ClusterIP Service answers from another pod, pods resolve
// kubernetes.default through CoreDNS; a second VM on a QEMU socket network
// joins as an agent, pods on the two nodes reach each other over vxlan and
// kubectl logs reaches the agent's pod; an agent with a wrong token says so
// on its console and registers nothing; killing containerd or the role
// process brings them back with the pods still running.
package cluster_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/outpost-os/outpost/tests/vm"
)

const boardName = "qemu-x86_64"

var (
	imageDir string
	// binary is the host's outpost (kubectl, kubeconfig).
	binary string
)

func TestMain(m *testing.M) {
	bin, err := vm.HostBinary()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = bin
	vm.Main(m, &imageDir, boardName)
}
