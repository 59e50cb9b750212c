package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
)

// binaries are the programs compared.
type binaries struct{ outpost, apiserver, etcd string }

// buildBinaries builds whatever is missing in s.bin, one at a time (a cold
// Kubernetes build is heavy): outpost (unless $OUTPOST_BIN names it),
// upstream kube-apiserver and upstream etcd, from this module's versions.
func buildBinaries(ctx context.Context, s settings) (binaries, error) {
	dir, err := filepath.Abs(filepath.Join(s.root, s.bin))
	if err != nil {
		return binaries{}, err
	}
	outpost := os.Getenv("OUTPOST_BIN")
	if outpost == "" {
		outpost = filepath.Join(dir, "outpost")
	}
	b := binaries{
		outpost:   outpost,
		apiserver: filepath.Join(dir, "kube-apiserver"),
		etcd:      filepath.Join(dir, "etcd"),
	}
	for _, t := range []struct{ out, pkg string }{
		{b.outpost, "./cmd/outpost"},
		{b.apiserver, "k8s.io/kubernetes/cmd/kube-apiserver"},
		{b.etcd, "go.etcd.io/etcd/server/v3"},
	} {
		if _, err := os.Stat(t.out); err == nil {
			continue
		}
		fmt.Fprintf(os.Stderr, "building %s\n", t.pkg)
		// The flags of the Makefile's build of outpost, for a fair
		// comparison.
		cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", t.out, t.pkg)
		cmd.Dir = s.root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("build %s: %w", t.pkg, err)
		}
	}
	return b, nil
}
