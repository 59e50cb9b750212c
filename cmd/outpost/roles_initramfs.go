//go:build initramfs

package main

// roleCommands is empty in the initramfs build: stage 1 only mounts the root
// and hands over to the full binary in the squashfs.
func roleCommands() []command { return nil }

// toolAlias knows no tools in the initramfs build.
func toolAlias(string) string { return "" }
