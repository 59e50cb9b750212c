package kubelet

import (
	"fmt"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/paths"
)

// Config is what the kubelet of a node needs from Outpost.
type Config struct {
	NodeName string
	NodeIP   string
	// Kubeconfig holds the node's client certificate (system:node:NAME).
	Kubeconfig string
	// ClientCA verifies the apiserver and other clients calling the
	// kubelet; ServingCert/ServingKey are its serving pair.
	ClientCA, ServingCert, ServingKey string
	// RuntimeEndpoint is containerd's CRI socket, unix:///...
	RuntimeEndpoint string
	ClusterDNS      string
	ClusterDomain   string
	// RootDir is --root-dir; ConfigFile is where the config goes.
	RootDir, ConfigFile string
	// ResolvConf is the host resolver file pods inherit search paths from.
	ResolvConf string
	Labels     []string // key=value
	Taints     []string // key=value:Effect
	// ExtraArgs are key=value flags from the node config (--kubelet-arg).
	ExtraArgs []string
}

// configuration returns the KubeletConfiguration of c.
func (c Config) configuration() *kubeletv1beta1.KubeletConfiguration {
	f, t := false, true
	return &kubeletv1beta1.KubeletConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "kubelet.config.k8s.io/v1beta1", Kind: "KubeletConfiguration"},
		Authentication: kubeletv1beta1.KubeletAuthentication{
			Anonymous: kubeletv1beta1.KubeletAnonymousAuthentication{Enabled: &f},
			Webhook:   kubeletv1beta1.KubeletWebhookAuthentication{Enabled: &t, CacheTTL: metav1.Duration{Duration: 2 * time.Minute}},
			X509:      kubeletv1beta1.KubeletX509Authentication{ClientCAFile: c.ClientCA},
		},
		Authorization:            kubeletv1beta1.KubeletAuthorization{Mode: kubeletv1beta1.KubeletAuthorizationModeWebhook},
		CgroupDriver:             "cgroupfs",
		ClusterDNS:               []string{c.ClusterDNS},
		ClusterDomain:            c.ClusterDomain,
		ContainerRuntimeEndpoint: c.RuntimeEndpoint,
		TLSCertFile:              c.ServingCert,
		TLSPrivateKeyFile:        c.ServingKey,
		Port:                     int32(paths.KubeletPort), // upstream's default, said here
		ReadOnlyPort:             0,                        // off
		FailSwapOn:               &f,
		HealthzBindAddress:       "127.0.0.1",
		ResolverConfig:           &c.ResolvConf,
		SerializeImagePulls:      &f,
		// The baked images are pinned; nothing else is worth keeping when
		// the small disks of edge boxes fill up.
		EvictionHard:           map[string]string{"imagefs.available": "5%", "nodefs.available": "5%", "memory.available": "50Mi"},
		EvictionMinimumReclaim: map[string]string{"imagefs.available": "5%", "nodefs.available": "5%"},
		// The node's clock may only be set by SNTP after boot; certificates
		// come from the join API, not from rotation.
		RotateCertificates: false,
		ServerTLSBootstrap: false,
		// /logs/ serves /var/log (PID 1's service and kernel logs) to
		// whoever may reach nodes/proxy: a node's logs without a keyboard,
		// through the tunnel on agents.
		EnableSystemLogHandler:  &t,
		EnableDebuggingHandlers: &t,
	}
}

// Render returns the configuration file.
func (c Config) Render() ([]byte, error) {
	data, err := yaml.Marshal(c.configuration())
	if err != nil {
		return nil, fmt.Errorf("kubelet config: %w", err)
	}
	return data, nil
}

// Write writes the configuration file atomically.
func (c Config) Write() error {
	data, err := c.Render()
	if err != nil {
		return err
	}
	if err := atomicfile.Write(c.ConfigFile, data, 0o644); err != nil {
		return fmt.Errorf("kubelet config: %w", err)
	}
	return nil
}

// Args returns the kubelet's command line (without argv[0]): what the
// configuration file cannot say, then the extra arguments, which win.
func (c Config) Args() []string {
	args := []string{
		"--config=" + c.ConfigFile,
		"--kubeconfig=" + c.Kubeconfig,
		"--hostname-override=" + c.NodeName,
		"--root-dir=" + c.RootDir,
		"--cert-dir=" + c.RootDir + "/pki",
	}
	if c.NodeIP != "" {
		args = append(args, "--node-ip="+c.NodeIP)
	}
	if len(c.Labels) > 0 {
		labels := append([]string{}, c.Labels...)
		sort.Strings(labels)
		args = append(args, "--node-labels="+strings.Join(labels, ","))
	}
	if len(c.Taints) > 0 {
		args = append(args, "--register-with-taints="+strings.Join(c.Taints, ","))
	}
	return append(args, extraArgs(c.ExtraArgs)...)
}

// extraArgs turns key=value entries into --key=value flags.
func extraArgs(kv []string) []string {
	out := make([]string, 0, len(kv))
	for _, a := range kv {
		out = append(out, "--"+strings.TrimLeft(a, "-"))
	}
	return out
}
