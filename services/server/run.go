package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/services/controlplane"
	"github.com/outpost-os/outpost/services/datastore"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/secretsenc"
	"github.com/outpost-os/outpost/services/token"
)

// readyTimeout bounds the wait for kube-apiserver's /readyz.
const readyTimeout = 5 * time.Minute

// dsStopTimeout bounds the wait for the datastore to stop.
const dsStopTimeout = 15 * time.Second

// Run brings the server up in order and runs it until ctx ends (then it
// returns nil) or a part fails (then it returns that part's error). out
// receives the ready message.
func Run(ctx context.Context, o *Options, log *slog.Logger, out io.Writer) error {
	b := &boot{o: o, log: log, start: time.Now()}
	if err := b.check(); err != nil {
		return err
	}
	dd, err := openDataDir(b.root)
	if err != nil {
		return err
	}
	defer dd.Close()
	b.dd = dd
	if err := b.files(); err != nil {
		return err
	}
	return b.serve(ctx, out)
}

// boot is one run of the server and what each step produced.
type boot struct {
	o                       *Options
	log                     *slog.Logger
	start                   time.Time
	root                    string
	addrs                   addresses
	givenServer, givenAgent string
	dsCfg                   datastore.Config
	dd                      *dataDir
	certs                   *pki.ServerCerts
	serverTok, agentTok     token.Token
	creds                   credentials
	cpCfg                   controlplane.Config
	tunnel                  *tunnelParts
}

// check validates what can be checked before anything is written: the
// tokens' form, the addresses and the ports.
func (b *boot) check() error {
	var err error
	if b.givenServer, b.givenAgent, err = b.o.givenTokens(); err != nil {
		return err
	}
	if b.addrs, err = b.o.resolveAddresses(b.log); err != nil {
		return err
	}
	if b.root, err = filepath.Abs(b.o.DataDir); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	b.dsCfg = b.o.datastoreConfig(filepath.Join(b.root, "server", "db"), b.addrs)
	return checkPorts(b.o.portUses(b.addrs, b.dsCfg.Choose()))
}

// files makes or reuses the certificates, tokens and component
// kubeconfigs.
func (b *boot) files() error {
	var err error
	if b.certs, err = pki.EnsureServer(b.dd.TLS(), b.o.pkiOptions(b.addrs, b.log)); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	b.serverTok, b.agentTok, err = token.EnsureServer(b.dd.Server(), b.givenServer, b.givenAgent, b.certs.ServerCA.CertPEM)
	if err != nil {
		return fmt.Errorf("tokens: %w", err)
	}
	b.cpCfg = b.o.controlPlaneConfig(b.dd, b.addrs, b.certs)
	if b.cpCfg.EncryptionConfig, err = secretsenc.Ensure(b.dd.Cred(), b.o.SecretsEncryption, b.log); err != nil {
		return err
	}
	b.creds, err = writeCredentials(b.dd.Cred(), b.cpCfg.URL(), b.certs)
	return err
}

// serve starts the datastore, the control plane and the join API, writes
// the admin kubeconfig, and waits. The datastore outlives the control
// plane: it stops only after the components have stopped writing to it.
func (b *boot) serve(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tun, err := b.startTunnel()
	if err != nil {
		return fmt.Errorf("agent tunnel: %w", err)
	}
	defer tun.stop()
	b.tunnel = tun
	dsCtx, dsCancel := context.WithCancel(context.WithoutCancel(ctx))
	backend, err := datastore.Start(dsCtx, withEtcdCerts(b.dsCfg, b.certs), b.log)
	if err != nil {
		dsCancel()
		return fmt.Errorf("datastore: %w", err)
	}
	defer stopDatastore(dsCancel, backend, b.log)
	cp, err := controlplane.Start(ctx, b.withStorage(backend), b.log, readyTimeout)
	if err != nil {
		return fmt.Errorf("control plane: %w", err)
	}
	cpDone := make(chan error, 1)
	go func() { cpDone <- cp.Wait() }()
	js, err := b.front()
	if err != nil {
		cancel()
		<-cpDone
		return err
	}
	defer js.stop()
	waitAddons := b.startAddons(ctx)
	defer waitAddons()
	b.printReady(out, backend.Kind)
	agentFailed := b.startAgent(ctx)
	return waitStopped(cancel, cpDone, backend.Failed, firstOf(js.failed, agentFailed), b.log)
}

// withStorage completes the control plane configuration with the running
// datastore.
func (b *boot) withStorage(backend *datastore.Backend) controlplane.Config {
	c := b.cpCfg
	c.Storage = controlplane.Storage{Endpoints: backend.Endpoints, CAFile: backend.CAFile, CertFile: backend.CertFile, KeyFile: backend.KeyFile}
	c.ControllerKubeconfig, c.SchedulerKubeconfig = b.creds.Controller, b.creds.Scheduler
	c.LeaderElect = backend.LeaderElect
	return c
}

// front starts the join API and writes the admin kubeconfig: what people
// and agents use once the control plane is ready.
func (b *boot) front() (*joinServer, error) {
	settings := b.o.joinSettings(b.addrs, b.certs, b.serverTok, b.agentTok, b.creds)
	settings.Tunnel = b.tunnel.server
	settings.RotateAgent = func(_ context.Context, secret string) (token.Token, error) {
		return token.RotateAgent(b.dd.Server(), secret, b.serverTok, b.certs.ServerCA.CertPEM)
	}
	js, err := startJoinAPI(settings, b.log)
	if err != nil {
		return nil, err
	}
	if err := writeAdminKubeconfig(b.o.WriteKubeconfig, b.o, b.cpCfg.URL(), b.certs); err != nil {
		js.stop()
		return nil, err
	}
	return js, nil
}

func (b *boot) printReady(out io.Writer, kind datastore.Kind) {
	printReady(out, readyInfo{
		Took: time.Since(b.start), Datastore: string(kind), Kubeconfig: b.o.WriteKubeconfig,
		TokenFile:      filepath.Join(b.dd.Server(), token.ServerFile),
		AgentTokenFile: filepath.Join(b.dd.Server(), token.AgentFile),
		APIServer:      endpoint(b.addrs.Advertise, b.o.HTTPSPort),
		JoinAPI:        endpoint(b.addrs.Advertise, b.o.SupervisorPort),
	})
}

// waitStopped waits for the control plane to end (nil once ctx ends) or for
// the datastore or join API to fail, then stops the rest.
func waitStopped(cancel context.CancelFunc, cpDone <-chan error, dsFailed, joinFailed <-chan error, log *slog.Logger) error {
	var err error
	select {
	case err = <-cpDone:
		cancel()
	case err = <-dsFailed:
		cancel()
		<-cpDone
	case err = <-joinFailed:
		cancel()
		<-cpDone
	}
	if err == nil {
		log.Info("server stopped")
	}
	return err
}

func endpoint(ip net.IP, port int) string {
	return fmt.Sprintf("https://%s", net.JoinHostPort(ip.String(), fmt.Sprint(port)))
}

// stopDatastore stops the datastore and waits up to dsStopTimeout for it.
func stopDatastore(cancel context.CancelFunc, b *datastore.Backend, log *slog.Logger) {
	cancel()
	select {
	case <-b.Done:
		log.Info("datastore stopped")
	case <-time.After(dsStopTimeout):
		log.Warn("datastore still stopping", "after", dsStopTimeout)
	}
}
