package datastore

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// Kind names the storage in use.
type Kind string

// The kinds of storage.
const (
	KindSQLite       Kind = "sqlite"
	KindKineExternal Kind = "kine"
	KindEtcdExternal Kind = "etcd"
	KindEtcdEmbedded Kind = "embedded-etcd"
)

// EtcdCerts are the TLS files of embedded etcd.
type EtcdCerts struct {
	ServerCA, ServerCert, ServerKey string // etcd's client-facing server
	PeerCA, PeerCert, PeerKey       string // between members
	ClientCert, ClientKey           string // kube-apiserver's client
}

// Config chooses and configures the storage.
type Config struct {
	// Dir is <data-dir>/server/db; it must be absolute.
	Dir string
	// Endpoint is --datastore-endpoint: empty for SQLite or embedded etcd,
	// postgres://, mysql:// (through kine) or http(s):// (etcd).
	Endpoint string
	// CAFile, CertFile, KeyFile reach an external datastore over TLS.
	CAFile, CertFile, KeyFile string
	// ClusterInit chooses embedded etcd. An existing etcd directory chooses
	// it too, so a restart without the flag keeps the same data.
	ClusterInit bool
	NodeName    string
	AdvertiseIP net.IP
	// EtcdClientPort and EtcdPeerPort default to 2379 and 2380.
	EtcdClientPort, EtcdPeerPort int
	EtcdCerts                    EtcdCerts
}

// Backend is how kube-apiserver reaches the running storage.
type Backend struct {
	Kind      Kind
	Endpoints []string
	CAFile    string
	CertFile  string
	KeyFile   string
	// LeaderElect tells whether the components must elect a leader (false
	// for kine on SQLite and on single servers).
	LeaderElect bool
	// Failed delivers an error if the storage stops while ctx is alive.
	Failed <-chan error
	// Done is closed once the storage has stopped after ctx ended.
	Done <-chan struct{}
}

// SocketPath is kine's unix socket.
func (c Config) SocketPath() string { return filepath.Join(c.Dir, "kine.sock") }

// SQLitePath is the SQLite database.
func (c Config) SQLitePath() string { return filepath.Join(c.Dir, "state.db") }

// EtcdDir is embedded etcd's data directory.
func (c Config) EtcdDir() string { return filepath.Join(c.Dir, "etcd") }

// Choose tells which storage Start will run.
func (c Config) Choose() Kind {
	switch {
	case strings.HasPrefix(c.Endpoint, "http://"), strings.HasPrefix(c.Endpoint, "https://"):
		return KindEtcdExternal
	case c.Endpoint != "":
		return KindKineExternal
	case c.ClusterInit || exists(c.EtcdDir()):
		return KindEtcdEmbedded
	default:
		return KindSQLite
	}
}

// Start runs the chosen storage until ctx ends.
func Start(ctx context.Context, c Config, log *slog.Logger) (*Backend, error) {
	if !filepath.IsAbs(c.Dir) {
		return nil, fmt.Errorf("datastore directory %q is not absolute", c.Dir)
	}
	if err := os.MkdirAll(c.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("datastore directory: %w", err)
	}
	kind := c.Choose()
	log.Info("starting datastore", "kind", kind)
	switch kind {
	case KindEtcdExternal:
		return &Backend{Kind: kind, Endpoints: strings.Split(c.Endpoint, ","),
			CAFile: c.CAFile, CertFile: c.CertFile, KeyFile: c.KeyFile, LeaderElect: true,
			Failed: make(chan error), Done: ctx.Done()}, nil
	case KindEtcdEmbedded:
		return startEtcd(ctx, c, log)
	default:
		return startKine(ctx, c, kind)
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
