//go:build !containerd

package main

// runtimeCommands is empty without -tags containerd: containerd and its
// shim are built only into the outpost-runtime flavour.
func runtimeCommands() []command { return nil }

// runtimeAlias knows no runtime names without -tags containerd.
func runtimeAlias(string) string { return "" }
