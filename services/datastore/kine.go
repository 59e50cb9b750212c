package datastore

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/k3s-io/kine/pkg/endpoint"
)

// maxSocketPath is the longest unix socket path Linux accepts.
const maxSocketPath = 107

// SQLiteSync is the synchronous mode of the SQLite datastore. kine's
// default, NORMAL, does not sync the write-ahead log at each commit, so a
// power cut can drop writes the API has acknowledged; FULL syncs it (the
// cost is in docs/server.md, measured by make bench-server).
const SQLiteSync = "FULL"

// SQLiteDSN is kine's endpoint for the database at path: kine's settings
// for SQLite (WAL, busy timeout, ...) with the given synchronous mode.
func SQLiteDSN(path, synchronous string) string {
	return "sqlite://" + path + "?_journal_mode=WAL&_busy_timeout=30000&_synchronous=" + synchronous + "&_txlock=immediate&_stmt_cache_size=20&cache=shared"
}

// startKine serves SQLite (or an external SQL database) through kine on a
// unix socket.
func startKine(ctx context.Context, c Config, kind Kind) (*Backend, error) {
	sock := c.SocketPath()
	if len(sock) > maxSocketPath {
		return nil, fmt.Errorf("kine socket path %s is longer than %d bytes: choose a shorter --data-dir", sock, maxSocketPath)
	}
	ep := c.Endpoint
	if kind == KindSQLite {
		if err := checkSQLite(ctx, c.SQLitePath()); err != nil {
			return nil, err
		}
		ep = SQLiteDSN(c.SQLitePath(), SQLiteSync)
	}
	cfg := kineDefaults()
	cfg.Listener = "unix://" + sock
	cfg.Endpoint = ep
	cfg.BackendTLSConfig.CAFile = c.CAFile
	cfg.BackendTLSConfig.CertFile = c.CertFile
	cfg.BackendTLSConfig.KeyFile = c.KeyFile
	var wg sync.WaitGroup
	cfg.WaitGroup = &wg
	etcd, err := endpoint.Listen(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("kine (%s): %w", kind, err)
	}
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		wg.Wait()
		close(done)
	}()
	return &Backend{
		Kind:        kind,
		Endpoints:   etcd.Endpoints,
		LeaderElect: etcd.LeaderElect,
		Failed:      make(chan error),
		Done:        done,
	}, nil
}

// kineDefaults are the settings kine's own command line defaults to, with
// compaction every five minutes so the database does not grow without
// bound.
func kineDefaults() endpoint.Config {
	var c endpoint.Config
	c.ConnectionPoolConfig.MaxIdle = 20
	c.ConnectionPoolConfig.MaxIdleTime = 2 * time.Minute
	c.PollInterval = time.Second
	c.NotifyInterval = 5 * time.Second
	c.EmulatedETCDVersion = "3.6.11"
	c.CompactInterval = 5 * time.Minute
	c.CompactTimeout = 5 * time.Second
	c.CompactMinRetain = 1000
	c.CompactBatchSize = 1000
	c.PollBatchSize = 500
	return c
}
