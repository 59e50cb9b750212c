//go:build containerd

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/manager"
	containerdcmd "github.com/containerd/containerd/v2/cmd/containerd/command"
	"github.com/containerd/containerd/v2/pkg/shim"
	"github.com/containerd/containerd/v2/plugins"
	"github.com/containerd/plugin"
	"github.com/containerd/plugin/registry"

	// The daemon's plugins (CRI included) and the runc shim's task service.
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2/task/plugin"
	_ "github.com/containerd/containerd/v2/cmd/containerd/builtins"

	"github.com/outpost-os/outpost/services/containerd/preload"
	"github.com/outpost-os/outpost/services/gctune"
)

// shimEnv marks a process started by the shim itself: to become the
// long-running shim, `containerd-shim-runc-v2 start` runs its own executable
// (/proc/self/exe: /usr/lib/outpost/containerd on a node), whose name would
// otherwise mean the daemon.
const shimEnv = "OUTPOST_CONTAINERD_SHIM"

// runtimeCommands are the container runtime's commands, built in with
// -tags containerd (the outpost-runtime flavour).
func runtimeCommands() []command {
	return []command{
		{"containerd", "the containerd daemon (also as a link named containerd)", runContainerd},
		{"containerd-shim-runc-v2", "containerd's runc v2 shim (also as a link of that name)", runShim},
		{"images-import", "import image archives into containerd and pin them", runImagesImport},
	}
}

// runtimeAlias maps the names containerd and its shim are started as to
// their commands.
func runtimeAlias(base string) string {
	switch {
	case base == "containerd-shim-runc-v2", os.Getenv(shimEnv) == "1":
		return "containerd-shim-runc-v2"
	case base == "containerd":
		return "containerd"
	}
	return ""
}

// runContainerd is upstream containerd's main. It handles its own signals.
func runContainerd(_ context.Context, args []string) error {
	signal.Reset(syscall.SIGTERM, os.Interrupt)
	gctune.Apply()
	keepPlugins(func(r *plugin.Registration) bool { return !isShimPlugin(r) })
	return containerdcmd.App().Run(context.Background(), append([]string{"containerd"}, args...))
}

// runShim is upstream containerd-shim-runc-v2's main; it parses os.Args
// itself and exits on errors.
func runShim(_ context.Context, args []string) error {
	signal.Reset(syscall.SIGTERM, os.Interrupt)
	os.Setenv(shimEnv, "1")
	gctune.Apply()
	os.Args = append([]string{"containerd-shim-runc-v2"}, args...)
	keepPlugins(isShimPlugin)
	shim.RunShim(context.Background(), manager.NewShimManager("io.containerd.runc.v2"))
	return nil
}

// The daemon's and the shim's plugins register themselves in one registry
// when their packages load, and both upstream mains start every plugin
// registered: the shim would start CRI, the daemon the shim's task service.
// Each keeps only its own before it starts.
func keepPlugins(keep func(r *plugin.Registration) bool) {
	regs := registry.Graph(func(r *plugin.Registration) bool { return !keep(r) })
	registry.Reset()
	for i := range regs {
		registry.Register(&regs[i])
	}
}

// isShimPlugin is the runc shim's task service (its other plugins, the
// event publisher and shutdown service, are registered by shim.RunShim).
func isShimPlugin(r *plugin.Registration) bool {
	return r.Type == plugins.TTRPCPlugin && r.ID == "task"
}

// runImagesImport imports every *.tar in the given folders.
func runImagesImport(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("images-import", flag.ContinueOnError)
	o := preload.Options{Out: os.Stdout}
	fs.StringVar(&o.Address, "address", preload.DefaultAddress, "containerd socket")
	fs.StringVar(&o.Namespace, "namespace", preload.DefaultNamespace, "containerd namespace")
	fs.StringVar(&o.Snapshotter, "snapshotter", preload.DefaultSnapshotter, "snapshotter to unpack into")
	fs.DurationVar(&o.Timeout, "timeout", preload.DefaultTimeout, "how long to wait for containerd to answer")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: outpost images-import [flags] FOLDER|ARCHIVE...")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("no folder or archive given")
	}
	return preload.Import(ctx, o, fs.Args()...)
}
