package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// joinServer is the join API listening on the supervisor port.
type joinServer struct {
	srv    *http.Server
	failed chan error
}

// joinSettings is what startJoinAPI needs.
type joinSettings struct {
	Host                    string
	Port                    int
	Certs                   *pki.ServerCerts
	ServerToken, AgentToken token.Token
	SupervisorKubeconfig    string
	Cluster                 joinapi.ClusterConfig
	APIServerURL            string // in the admin kubeconfig the join API serves
	Tunnel                  joinapi.TunnelServer
	RotateAgent             joinapi.RotateAgentFunc
}

// startJoinAPI serves the join API over TLS (serving-supervisor, from
// server-ca); node passwords are kept as Secrets in kube-system.
func startJoinAPI(s joinSettings, log *slog.Logger) (*joinServer, error) {
	restCfg, err := clientcmd.BuildConfigFromFlags("", s.SupervisorKubeconfig)
	if err != nil {
		return nil, fmt.Errorf("join API client: %w", err)
	}
	// client-go's default of 5 requests a second would let a fleet join
	// at about one node a second (a claim costs four requests); the claim
	// limits of the join API bound the load instead.
	restCfg.QPS, restCfg.Burst = 100, 200
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		return nil, fmt.Errorf("join API client: %w", err)
	}
	h, err := joinapi.New(joinapi.Config{
		Certs: s.Certs, ServerToken: s.ServerToken, AgentToken: s.AgentToken,
		Passwords: joinapi.NewSecretStore(client), Cluster: s.Cluster, Logger: log,
		APIServerURL: s.APIServerURL, Tunnel: s.Tunnel, Nodes: joinapi.NodeAddressesFrom(client),
		RotateAgent: s.RotateAgent,
	})
	if err != nil {
		return nil, err
	}
	pair, err := tls.LoadX509KeyPair(s.Certs.ServingSupervisor.Cert, s.Certs.ServingSupervisor.Key)
	if err != nil {
		return nil, fmt.Errorf("join API certificate: %w", err)
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("join API on %s (--supervisor-port): %w", addr, err)
	}
	js := &joinServer{failed: make(chan error, 1), srv: joinapi.NewServer(h, pair)}
	go func() {
		if err := js.srv.ServeTLS(joinapi.LimitUnauthenticated(l, joinapi.MaxUnauthenticated), "", ""); !errors.Is(err, http.ErrServerClosed) {
			js.failed <- fmt.Errorf("join API: %w", err)
		}
	}()
	log.Info("join API is listening", "addr", addr)
	return js, nil
}

// stop shuts the join API down, waiting up to 5 s for requests in flight.
func (js *joinServer) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	js.srv.Shutdown(ctx)
}
