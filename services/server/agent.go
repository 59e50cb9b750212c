package server

import (
	"slices"
	"strconv"

	"github.com/outpost-os/outpost/services/agent"
)

// controlPlaneLabel marks the server's own node, as kubeadm and k3s do.
// The kubelet may not set labels in the node-role namespace itself
// (NodeRestriction); the agent sets such labels through the API once the
// node registers.
const controlPlaneLabel = "node-role.kubernetes.io/control-plane"

// agentOptions are the embedded agent's (unless --disable-agent): it joins
// this server's own join API on loopback with the server token, like any
// other node. They are completed when the agent starts, since the token
// exists only once the boot has made it.
func (b *boot) agentOptions() *agent.Options {
	o := agent.NewOptions()
	o.Server = "https://127.0.0.1:" + strconv.Itoa(b.o.SupervisorPort)
	// The server token: the server's own node is the one whose kubelet
	// may carry the server's names and addresses.
	o.Token = b.serverTok.Encode()
	o.DataDir = b.root
	o.NodeName = b.addrs.NodeName
	o.NodeIP = b.addrs.Advertise.String()
	o.Labels = append(slices.Clone(b.o.NodeLabels), controlPlaneLabel+"=true")
	o.Taints = b.o.NodeTaints
	o.KubeletArgs, o.ProxyArgs = b.o.KubeletArgs, b.o.ProxyArgs
	o.FlannelIface = b.o.FlannelIface
	o.BootDir = b.o.BootDir
	o.NoTunnel = true
	return o
}
