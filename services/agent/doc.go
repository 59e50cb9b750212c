// Package agent is `outpost agent`, the node half of a cluster, also run
// inside `outpost server` unless --disable-agent: it joins through the
// server's join API (CA pinned by the token, node password, CSRs for the
// kubelet's serving and client certificates and for kube-proxy), forks
// containerd, imports the baked and dropped-in image archives, and runs
// the kubelet, kube-proxy and flannel in this process.
package agent
