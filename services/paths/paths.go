// Package paths is the one table of the node's file paths and ports from
// DESIGN.md ("Paths and ports"): where the root image keeps the binaries
// and the baked images, where the node keeps its configuration, state, run
// time files and logs, and the ports its servers listen on. Every package
// takes these values from here, as the defaults of its flags and options
// where they can be changed. It imports nothing, so that PID 1, the
// services, the image builder and the boards can all use it.
package paths

// The root image (the read-only squashfs) and the initramfs.
const (
	// Binary is the full outpost build: the role process, kubectl.
	Binary string = "/usr/bin/outpost"
	// LibDir holds the other builds and what PID 1 reads of the image.
	LibDir string = "/usr/lib/outpost"
	// InitBinary is the build without Kubernetes (-tags initramfs): PID 1,
	// the kernel's modprobe and the debug console run it.
	InitBinary string = "/usr/lib/outpost/init"
	// RuntimeBinary is the container runtime build (-tags
	// initramfs,containerd), also linked as /usr/bin/containerd.
	RuntimeBinary string = "/usr/lib/outpost/containerd"
	// ShimBinary is containerd's runc v2 shim build (-tags
	// initramfs,shim), also linked as /usr/bin/containerd-shim-runc-v2
	// (containerd finds it by name in PATH).
	ShimBinary string = "/usr/lib/outpost/containerd-shim-runc-v2"
	// BootInfo is where the image builder leaves the board's boot facts,
	// both in the initramfs and in the root image.
	BootInfo string = "/usr/lib/outpost/boot.json"
	// StateTemplate is the empty state file system in the initramfs,
	// gzip-compressed: what outpost.wipe=state writes back.
	StateTemplate string = "/usr/lib/outpost/state.img.gz"
	// E2fsck is Debian's static e2fsck in the initramfs: stage 1 checks
	// the state partition with it before mounting.
	E2fsck string = "/sbin/e2fsck"
	// Images holds the image archives baked into the OS (*.tar). Every
	// one, and those dropped later into DATA-DIR/agent/images, is
	// imported before the kubelet starts.
	Images string = "/usr/share/outpost/images"
)

// The node's configuration, under /etc/outpost (kept on the state
// partition, at KeptEtc, when there is one).
const (
	EtcDir string = "/etc/outpost"
	// ConfigFile is the node configuration merged from metadata.
	ConfigFile string = "/etc/outpost/config.yaml"
	// Kubeconfig is the admin kubeconfig a server writes, mode 0600.
	Kubeconfig string = "/etc/outpost/outpost.yaml"
	// NodePassword is the agent's node secret, mode 0600.
	NodePassword string = "/etc/outpost/node/password"
)

// Persistent state: /var on the outpost-state partition.
const (
	// DataDir is the default --data-dir of outpost server and agent.
	DataDir string = "/var/lib/outpost"
	// StateConfig is the configuration file on the state partition.
	StateConfig string = "/var/lib/outpost/config.yaml"
	// KeptEtc is where the node's own /etc/outpost lives on the state
	// partition; it is bound onto EtcDir.
	KeptEtc string = "/var/lib/outpost/etc"
	// ContainerdRoot is containerd's root: images, snapshots, metadata.
	ContainerdRoot string = "/var/lib/outpost/agent/containerd"
	// ContainerdConfig is the configuration written for containerd.
	ContainerdConfig string = "/var/lib/outpost/agent/etc/containerd/config.toml"
	// CNIConfDir holds the CNI configuration flannel writes.
	CNIConfDir string = "/var/lib/outpost/agent/etc/cni/net.d"
	// KubeletRoot is the kubelet's root directory.
	KubeletRoot string = "/var/lib/kubelet"
	// LogDir holds one log file per service, <service>.log.
	LogDir string = "/var/log/outpost"
)

// Run time files, in the tmpfs on /run.
const (
	RunDir string = "/run/outpost"
	// MetadataMountDir is where metadata volumes are mounted while read.
	MetadataMountDir string = "/run/outpost/metadata"
	// StateCheck is where stage 1 looks into the state file system
	// before a wipe.
	StateCheck string = "/run/outpost/state-check"
	// ContainerdState is containerd's state directory.
	ContainerdState string = "/run/outpost/containerd"
	// ContainerdSocket is containerd's API socket.
	ContainerdSocket string = "/run/outpost/containerd/containerd.sock"
	// BootDir holds this boot's slot status, which PID 1 writes
	// (status.json) and the role publishes on its Node, and the mark
	// the role leaves once the node is healthy (healthy).
	BootDir string = "/run/outpost/boot"
	// ESPMount is where PID 1 mounts the ESP while it changes an entry.
	ESPMount string = "/run/outpost/esp"
)

// BootTries holds, on the state partition, what each try of a newly
// installed slot reached: what explains a rollback on the next boot.
const BootTries string = "/var/lib/outpost/boot"

// Ports.
const (
	// APIServerPort is kube-apiserver's (upstream, TLS).
	APIServerPort int = 6443
	// JoinAPIPort is the join (supervisor) API's, as RKE2 has it.
	JoinAPIPort int = 9345
	// KubeletPort is the kubelet's API, the one port a tunnel carries.
	KubeletPort int = 10250
	// VXLANPort is flannel's vxlan port (UDP).
	VXLANPort int = 8472
)
