//go:build !initramfs

package main

// roleCommands lists the commands that carry Kubernetes (server, agent,
// kubectl). They are left out of the initramfs build, which only runs stage 1.
func roleCommands() []command {
	return []command{
		{"server", "run the Kubernetes control plane and a node (server role)", runServer},
		{"agent", "join a server and run a node: containerd, kubelet, kube-proxy, flannel", runAgent},
		{"kubectl", "upstream kubectl, built in (also as a link named kubectl)", runKubectl},
		{"node", "list, release or register the node names boxes claim when they join", runNode},
		{"token", "rotate the agent token (outpost token rotate) with the server token", runToken},
		{"kubeconfig", "fetch an admin kubeconfig from a server's join API with the server token", runKubeconfig},
	}
}

// toolAlias maps a name the binary is started as (argv[0]) to a command.
func toolAlias(base string) string {
	switch base {
	case "kubectl":
		return "kubectl"
	}
	return ""
}
