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

	containerdcmd "github.com/containerd/containerd/v2/cmd/containerd/command"

	// The daemon's plugins, CRI included.
	_ "github.com/containerd/containerd/v2/cmd/containerd/builtins"

	"github.com/outpost-os/outpost/services/containerd/preload"
	"github.com/outpost-os/outpost/services/gctune"
)

// daemonCommands are containerd's commands, built in with -tags containerd
// (the outpost-runtime flavour).
func daemonCommands() []command {
	return []command{
		{"containerd", "the containerd daemon (also as a link named containerd)", runContainerd},
		{"images-import", "import image archives into containerd and pin them", runImagesImport},
	}
}

// daemonAlias maps the name containerd is started as to its command.
func daemonAlias(base string) string {
	if base == "containerd" {
		return "containerd"
	}
	return ""
}

// runContainerd is upstream containerd's main. It handles its own signals.
func runContainerd(_ context.Context, args []string) error {
	signal.Reset(syscall.SIGTERM, os.Interrupt)
	gctune.Apply(gctune.Daemon)
	return containerdcmd.App().Run(context.Background(), append([]string{"containerd"}, args...))
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
