//go:build !shim

package main

// shimCommands is empty without -tags shim: containerd's shim is built only
// into the outpost-shim flavour.
func shimCommands() []command { return nil }

// shimAlias knows no shim names without -tags shim.
func shimAlias(string) string { return "" }
