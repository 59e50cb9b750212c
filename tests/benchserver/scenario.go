package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"k8s.io/client-go/rest"

	"github.com/outpost-os/outpost/tests/vm"
)

// scenario starts one control plane; the first process's start is time 0.
type scenario struct {
	name  string
	start func(ctx context.Context, p vm.ServerPorts) ([]*proc, error)
	// client returns the admin client config once the files it needs exist.
	client func(p vm.ServerPorts) (*rest.Config, error)
}

func outpostScenario(name, bin, dir string, extra ...string) scenario {
	return scenario{
		name: name,
		start: func(ctx context.Context, p vm.ServerPorts) ([]*proc, error) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			cmd, err := startLogged(ctx, filepath.Join(filepath.Dir(dir), filepath.Base(dir)+".log"), bin, vm.LoopbackServerArgs(dir, "bench", p, extra...)...)
			return []*proc{cmd}, err
		},
		client: func(p vm.ServerPorts) (*rest.Config, error) { return adminConfig(dir, p.HTTPS) },
	}
}

// bareScenario runs upstream etcd without TLS and upstream kube-apiserver
// with the certificates of an outpost data dir (pkiDir), as a person would
// start the pair by hand.
func bareScenario(name string, b binaries, pkiDir, dir string) scenario {
	tls := func(f string) string { return filepath.Join(pkiDir, "server", "tls", f) }
	return scenario{
		name: name,
		start: func(ctx context.Context, p vm.ServerPorts) ([]*proc, error) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			client := "http://127.0.0.1:" + itoa(p.EtcdClient)
			peer := "http://127.0.0.1:" + itoa(p.EtcdPeer)
			etcd, err := startLogged(ctx, dir+"-etcd.log", b.etcd, "--data-dir", filepath.Join(dir, "etcd"),
				"--listen-client-urls", client, "--advertise-client-urls", client,
				"--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
				"--initial-cluster", "default="+peer, "--log-level", "warn")
			if err != nil {
				return nil, err
			}
			api, err := startLogged(ctx, dir+"-apiserver.log", b.apiserver,
				"--etcd-servers", client, "--bind-address", "127.0.0.1", "--secure-port", itoa(p.HTTPS),
				"--advertise-address", "127.0.0.1", "--cert-dir", filepath.Join(dir, "certs"),
				"--tls-cert-file", tls("serving-kube-apiserver.crt"), "--tls-private-key-file", tls("serving-kube-apiserver.key"),
				"--client-ca-file", tls("client-ca.crt"), "--authorization-mode", "Node,RBAC", "--anonymous-auth=false",
				"--service-account-key-file", tls("service.key"), "--service-account-signing-key-file", tls("service.key"),
				"--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
				"--service-cluster-ip-range", "10.43.0.0/16", "--enable-admission-plugins", "NodeRestriction", "--profiling=false",
				// As outpost does for a loopback advertise address.
				"--endpoint-reconciler-type", "none")
			if err != nil {
				return []*proc{etcd}, err
			}
			return []*proc{etcd, api}, nil
		},
		client: func(p vm.ServerPorts) (*rest.Config, error) { return adminConfig(pkiDir, p.HTTPS) },
	}
}

// adminConfig is a client of the server on port with the admin
// certificate of the outpost data dir.
func adminConfig(dir string, port int) (*rest.Config, error) {
	tls := filepath.Join(dir, "server", "tls")
	for _, f := range []string{"server-ca.crt", "client-admin.crt", "client-admin.key"} {
		if _, err := os.Stat(filepath.Join(tls, f)); err != nil {
			return nil, err
		}
	}
	return &rest.Config{
		Host: "https://127.0.0.1:" + itoa(port),
		TLSClientConfig: rest.TLSClientConfig{
			CAFile:   filepath.Join(tls, "server-ca.crt"),
			CertFile: filepath.Join(tls, "client-admin.crt"),
			KeyFile:  filepath.Join(tls, "client-admin.key"),
		},
		QPS: -1, // no client-side rate limit
	}, nil
}

// proc is a started process; exited is closed once it has been reaped.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func startLogged(ctx context.Context, logPath, bin string, args ...string) (*proc, error) {
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		log.Close()
		close(p.exited)
	}()
	return p, nil
}

func itoa(i int) string { return strconv.Itoa(i) }
