package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"time"

	"github.com/outpost-os/outpost/services/agent"
	"github.com/outpost-os/outpost/services/controlplane"
	"github.com/outpost-os/outpost/services/datastore"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/rolelog"
	"github.com/outpost-os/outpost/services/secretsenc"
	"github.com/outpost-os/outpost/services/supervisor"
	"github.com/outpost-os/outpost/services/token"
)

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
	sup := supervisor.New(supervisor.Options{Console: rolelog.SupervisorLines(log), LogDir: b.logDir(), StopWithin: agent.StopWithin})
	err = sup.Run(ctx, b.services(out))
	if err == nil {
		log.Info("server stopped")
	}
	return err
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
	// Set by the services as they start, read by those after them.
	tunnel  *tunnelParts
	backend *datastore.Backend
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
	b.cpCfg.EgressSelectorConfig = b.egressConfigPath()
	if b.cpCfg.EncryptionConfig, err = secretsenc.Ensure(b.dd.Cred(), b.o.SecretsEncryption, b.log); err != nil {
		return err
	}
	b.creds, err = writeCredentials(b.dd.Cred(), b.cpCfg.URL(), b.certs)
	return err
}

// withStorage completes the control plane configuration with the running
// datastore.
func (b *boot) withStorage() controlplane.Config {
	c, backend := b.cpCfg, b.backend
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

func endpoint(ip net.IP, port int) string {
	return fmt.Sprintf("https://%s", net.JoinHostPort(ip.String(), fmt.Sprint(port)))
}

// logDir holds the log files of the child processes the server runs
// (the embedded agent's containerd).
func (b *boot) logDir() string { return b.agentOptions().LogDir }

// egressConfigPath is kube-apiserver's egress selector configuration, which
// points it at the tunnel service's proxy.
func (b *boot) egressConfigPath() string {
	return filepath.Join(b.dd.Server(), "etc", "egress-selector.yaml")
}
