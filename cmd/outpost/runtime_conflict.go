//go:build containerd && shim

package main

// The containerd and shim tags make two separate flavours (outpost-runtime
// and outpost-shim): in one binary both upstream mains would start every
// plugin registered, CRI inside the shim and the shim's task service
// inside the daemon. Build one flavour at a time.
var _ = containerdAndShimTagsAreSeparateFlavours
