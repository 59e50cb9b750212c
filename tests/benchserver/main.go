// Command benchserver measures `outpost server --disable-agent` on
// kine/SQLite (synchronous FULL, as shipped, and kine's NORMAL) and on
// embedded etcd against upstream kube-apiserver on a bare
// upstream etcd, all built from the same module versions, side by side in
// one run: time from start to /readyz, RSS after an idle period, and the
// rate of creating ConfigMaps, then Secrets, with parallel clients. It prints the figures
// and their ratios. It is a benchmark, not a test: `make bench-server`.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/outpost-os/outpost/services/datastore"
)

// settings of one benchmark run.
type settings struct {
	root    string        // repository root
	bin     string        // build directory
	idle    time.Duration // idle time before RSS is read
	count   int           // ConfigMaps, then Secrets, created per datastore
	clients int           // parallel clients
	work    string        // scratch directory
}

func main() {
	var s settings
	flag.StringVar(&s.root, "root", ".", "repository root")
	flag.StringVar(&s.bin, "bin", "build", "where the outpost, kube-apiserver and etcd binaries are (built when missing)")
	flag.DurationVar(&s.idle, "idle", 60*time.Second, "idle time before RSS is measured")
	flag.IntVar(&s.count, "count", 2000, "ConfigMaps, then Secrets, created per datastore")
	flag.IntVar(&s.clients, "clients", 8, "parallel clients")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, s); err != nil {
		fmt.Fprintln(os.Stderr, "benchserver:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, s settings) error {
	work, err := os.MkdirTemp("", "outpost-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	s.work = work
	bins, err := buildBinaries(ctx, s)
	if err != nil {
		return err
	}
	var results []result
	for _, sc := range []scenario{
		outpostScenario("outpost sqlite", bins.outpost, filepath.Join(work, "sqlite")),
		// The same with kine's default synchronous=NORMAL, which can lose
		// acknowledged writes on a power cut: what FULL costs.
		outpostScenario("outpost sqlite NORMAL", bins.outpost, filepath.Join(work, "sqlite-normal"),
			"--datastore-endpoint", datastore.SQLiteDSN(filepath.Join(work, "sqlite-normal", "state.db"), "NORMAL")),
		// Secrets stored in clear: what encryption at rest costs.
		outpostScenario("outpost sqlite clear", bins.outpost, filepath.Join(work, "sqlite-clear"), "--secrets-encryption=false"),
		outpostScenario("outpost etcd", bins.outpost, filepath.Join(work, "etcd"), "--cluster-init"),
		bareScenario("bare apiserver+etcd", bins, filepath.Join(work, "sqlite"), filepath.Join(work, "bare")),
	} {
		r, err := measure(ctx, s, sc)
		if err != nil {
			return fmt.Errorf("%s: %w", sc.name, err)
		}
		results = append(results, r)
		fmt.Println(r)
	}
	report(os.Stdout, results)
	return nil
}
