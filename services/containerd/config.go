package containerd

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pelletier/go-toml/v2"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// ConfigVersion is the version of containerd's configuration format that
// Outpost writes: 4, the format of containerd 2.4 (`containerd config
// default` prints it). Version 3, the 2.0 format, still loads but is
// migrated, with a warning, at every start.
const ConfigVersion = 4

// Plugin IDs of the sections Outpost sets.
const (
	pluginGRPC       = "io.containerd.server.v1.grpc"
	pluginTTRPC      = "io.containerd.server.v1.ttrpc"
	pluginCRIImages  = "io.containerd.cri.v1.images"
	pluginCRIRuntime = "io.containerd.cri.v1.runtime"
	pluginCRIGRPC    = "io.containerd.grpc.v1.cri"
	pluginNRI        = "io.containerd.nri.v1.nri"
	pluginShims      = "io.containerd.shim.v1.manager"
	// Snapshotter is the only snapshotter Outpost uses.
	Snapshotter = "overlayfs"
)

// disabledPlugins are plugins a node never uses; left enabled, they only
// probe the host and log why they cannot run.
var disabledPlugins = []string{
	"io.containerd.snapshotter.v1.btrfs",
	"io.containerd.snapshotter.v1.zfs",
	"io.containerd.snapshotter.v1.devmapper",
	"io.containerd.snapshotter.v1.blockfile",
	"io.containerd.snapshotter.v1.erofs",
	"io.containerd.differ.v1.erofs",
	"io.containerd.tracing.processor.v1.otlp",
	"io.containerd.internal.v1.tracing",
}

// fileHeader starts the written file.
const fileHeader = "# containerd configuration written by Outpost (services/containerd) at every\n" +
	"# start of containerd: edits here are overwritten.\n\n"

// file is config.toml's top level, in the order containerd prints it.
type file struct {
	Version         int            `toml:"version"`
	Root            string         `toml:"root"`
	State           string         `toml:"state"`
	DisabledPlugins []string       `toml:"disabled_plugins"`
	Debug           map[string]any `toml:"debug"`
	Plugins         map[string]any `toml:"plugins"`
}

// TOML renders containerd's config.toml.
func (c Config) TOML() ([]byte, error) {
	level := c.LogLevel
	if level == "" {
		level = "info"
	}
	doc := file{
		Version:         ConfigVersion,
		Root:            c.Root,
		State:           c.State,
		DisabledPlugins: disabledPlugins,
		Debug:           map[string]any{"level": level},
		Plugins: map[string]any{
			pluginGRPC:  map[string]any{"address": c.Socket},
			pluginTTRPC: map[string]any{"address": c.Socket + ".ttrpc"},
			pluginCRIImages: map[string]any{
				"snapshotter":   Snapshotter,
				"pinned_images": map[string]any{"sandbox": c.SandboxImage},
			},
			pluginCRIRuntime: map[string]any{
				"restrict_oom_score_adj": c.RestrictOOMScoreAdj,
				"containerd": map[string]any{
					"default_runtime_name": "runc",
					"runtimes": map[string]any{
						"runc": map[string]any{
							"runtime_type": "io.containerd.runc.v2",
							"options": map[string]any{
								"BinaryName": c.Runc,
								"Root":       filepath.Join(c.State, "runc"),
								// cgroupfs: no systemd on an Outpost node.
								"SystemdCgroup": false,
							},
						},
					},
				},
				"cni": map[string]any{
					"bin_dirs": []string{c.CNIBinDir},
					"conf_dir": c.CNIConfDir,
				},
			},
			// Streaming (exec, attach, port-forward) is served on
			// loopback only; the kubelet proxies it.
			pluginCRIGRPC: map[string]any{
				"disable_tcp_service":   true,
				"stream_server_address": "127.0.0.1",
				"stream_server_port":    "0",
			},
			pluginNRI: map[string]any{"disable": true},
			// The shims' sockets, under State rather than /run/containerd
			// (at most 42 characters: a socket path is short).
			pluginShims: map[string]any{"socket_dir": filepath.Join(c.State, "s")},
		},
	}
	var buf bytes.Buffer
	buf.WriteString(fileHeader)
	enc := toml.NewEncoder(&buf)
	enc.SetIndentTables(true)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("containerd config: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteConfig makes containerd's folders and writes its config.toml
// atomically.
func (c Config) WriteConfig() error {
	dirs := map[string]os.FileMode{c.Root: 0o711, c.State: 0o711, filepath.Dir(c.Socket): 0o711,
		filepath.Dir(c.ConfigFile): 0o755, c.CNIConfDir: 0o755}
	for d, mode := range dirs {
		if err := os.MkdirAll(d, mode); err != nil {
			return fmt.Errorf("containerd folder: %w", err)
		}
	}
	data, err := c.TOML()
	if err != nil {
		return err
	}
	return atomicfile.Write(c.ConfigFile, data, 0o600)
}
