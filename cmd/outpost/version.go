package main

import (
	"context"
	"fmt"
	"runtime/debug"
)

// version and commit are set at link time with -ldflags "-X
// main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

func runVersion(_ context.Context, _ []string) error {
	goVersion := "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
	}
	fmt.Printf("outpost %s (%s)\n", version, goVersion)
	return nil
}
