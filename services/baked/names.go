// Package baked names the container images Outpost builds from source and
// bakes into every root image as OCI archives (paths.Images): the pod
// sandbox (pause), CoreDNS and a small test workload. Their sources are
// under image/baked; the names use the outpost.local registry, which does
// not exist: these images are only ever imported, never pulled.
package baked

// References of the baked images, as containerd and the kubelet see them.
const (
	Pause    = "outpost.local/pause:1.0"
	CoreDNS  = "outpost.local/coredns:1.15.0"
	Workload = "outpost.local/workload:1.0"
)
