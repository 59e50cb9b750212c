package datastore

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
)

// etcdReadyTimeout bounds how long embedded etcd may take to serve.
const etcdReadyTimeout = 2 * time.Minute

// startEtcd runs a single-member embedded etcd with TLS for clients and
// peers. The peer URL is on the advertise address so that joining members
// (a later step) reach it.
func startEtcd(ctx context.Context, c Config, log *slog.Logger) (*Backend, error) {
	cfg := etcdConfig(c)
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("embedded etcd in %s: %w", cfg.Dir, err)
	}
	select {
	case <-e.Server.ReadyNotify():
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("embedded etcd: %w", err)
	case <-time.After(etcdReadyTimeout):
		e.Close()
		return nil, fmt.Errorf("embedded etcd not ready after %s", etcdReadyTimeout)
	case <-ctx.Done():
		e.Close()
		return nil, context.Cause(ctx)
	}
	log.Info("embedded etcd is ready", "dir", cfg.Dir, "client", cfg.ListenClientUrls[0].String())
	failed := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case err := <-e.Err():
			failed <- fmt.Errorf("embedded etcd: %w", err)
		case <-ctx.Done():
		}
		e.Close()
	}()
	return &Backend{
		Kind:      KindEtcdEmbedded,
		Endpoints: []string{cfg.ListenClientUrls[0].String()},
		CAFile:    c.EtcdCerts.ServerCA,
		CertFile:  c.EtcdCerts.ClientCert,
		KeyFile:   c.EtcdCerts.ClientKey,
		// One member, one server: nobody to elect. Joining servers will
		// turn this on.
		LeaderElect: false,
		Failed:      failed,
		Done:        done,
	}, nil
}

func etcdConfig(c Config) *embed.Config {
	clientPort, peerPort := c.EtcdClientPort, c.EtcdPeerPort
	if clientPort == 0 {
		clientPort = 2379
	}
	if peerPort == 0 {
		peerPort = 2380
	}
	client := httpsURL(net.IPv4(127, 0, 0, 1), clientPort)
	peer := httpsURL(c.AdvertiseIP, peerPort)
	cfg := embed.NewConfig()
	cfg.Name = c.NodeName
	cfg.Dir = c.EtcdDir()
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = c.NodeName + "=" + peer.String()
	cfg.InitialClusterToken = "outpost"
	cfg.ClientTLSInfo.CertFile = c.EtcdCerts.ServerCert
	cfg.ClientTLSInfo.KeyFile = c.EtcdCerts.ServerKey
	cfg.ClientTLSInfo.TrustedCAFile = c.EtcdCerts.ServerCA
	cfg.ClientTLSInfo.ClientCertAuth = true
	cfg.PeerTLSInfo.CertFile = c.EtcdCerts.PeerCert
	cfg.PeerTLSInfo.KeyFile = c.EtcdCerts.PeerKey
	cfg.PeerTLSInfo.TrustedCAFile = c.EtcdCerts.PeerCA
	cfg.PeerTLSInfo.ClientCertAuth = true
	cfg.LogLevel = "warn"
	return cfg
}

func httpsURL(ip net.IP, port int) url.URL {
	return url.URL{Scheme: "https", Host: net.JoinHostPort(ip.String(), strconv.Itoa(port))}
}
