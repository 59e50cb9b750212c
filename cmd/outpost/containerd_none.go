//go:build !containerd

package main

// daemonCommands is empty without -tags containerd: containerd is built
// only into the outpost-runtime flavour.
func daemonCommands() []command { return nil }

// daemonAlias knows no containerd names without -tags containerd.
func daemonAlias(string) string { return "" }
