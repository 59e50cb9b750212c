//go:build !initramfs

package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/outpost-os/outpost/services/server"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/component-base/cli"
	kubectlcmd "k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/plugin"
	"k8s.io/kubectl/pkg/cmd/util"
)

// runKubectl is upstream kubectl built in. Without --kubeconfig or
// $KUBECONFIG it uses the server's admin kubeconfig when that exists.
func runKubectl(_ context.Context, args []string) error {
	// kubectl handles interrupts itself (or dies of them, as a tool should).
	signal.Reset(syscall.SIGTERM, os.Interrupt)
	if os.Getenv("KUBECONFIG") == "" {
		if _, err := os.Stat(server.DefaultKubeconfig); err == nil {
			os.Setenv("KUBECONFIG", server.DefaultKubeconfig)
		}
	}
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	flags := genericclioptions.NewConfigFlags(true).WithDeprecatedPasswordFlag().
		WithDiscoveryBurst(300).WithDiscoveryQPS(50.0).WithWarningPrinter(streams)
	cmd := kubectlcmd.NewDefaultKubectlCommandWithArgs(kubectlcmd.KubectlOptions{
		PluginHandler: kubectlcmd.NewDefaultPluginHandler(plugin.ValidPluginFilenamePrefixes),
		Arguments:     append([]string{"kubectl"}, args...),
		ConfigFlags:   flags,
		IOStreams:     streams,
	})
	cmd.SetArgs(args)
	if err := cli.RunNoErrOutput(cmd); err != nil {
		util.CheckErr(err)
	}
	return nil
}
