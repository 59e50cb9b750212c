//go:build !initramfs

package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/metadata"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/token"
	yaml "go.yaml.in/yaml/v3"
)

// Guest ports `outpost image run` forwards to reach the cluster.
const (
	guestAPIServer = paths.APIServerPort
	guestJoinAPI   = paths.JoinAPIPort
)

// Files image run keeps in the image folder.
const (
	accessConfigFile = "run-config.yaml" // fw_cfg opt/outpost/config: role and token (0600)
	kubeconfigFile   = "kubeconfig"      // the admin kubeconfig, written once the join API answers
)

// clusterAccess is how `outpost image run` reaches the cluster in the VM
// it boots: a server token seeded through fw_cfg, 6443 and 9345 forwarded
// to 127.0.0.1, and the admin kubeconfig fetched into DIR/kubeconfig.
type clusterAccess struct {
	dir          string
	tok          token.Token // bare: the CA it would pin is made in the VM
	configPath   string
	kubeconfig   string
	shown        string // the kubeconfig's path as the user named the folder
	api, join    int    // host ports on 127.0.0.1
	pollInterval time.Duration
}

// prepareAccess writes a server token with role server to
// DIR/run-config.yaml (0600) and hands that file to the VM as the fw_cfg
// entry the metadata service reads, so the secret is in no argv and not
// on the kernel command line, and forwards the apiserver and join API
// ports (reusing a --forward the user gave for them). A stale
// DIR/kubeconfig of an earlier run is removed.
//
// A VM the kernel command line makes an agent (--append outpost.role=agent)
// gets none of this: it returns nil.
func prepareAccess(dir string, o *qemu.Options) (*clusterAccess, error) {
	for _, arg := range o.Cmdline {
		for f := range strings.FieldsSeq(arg) {
			if role, ok := strings.CutPrefix(f, "outpost.role="); ok && role != "server" {
				return nil, nil
			}
		}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	a := &clusterAccess{dir: abs, configPath: filepath.Join(abs, accessConfigFile),
		kubeconfig: filepath.Join(abs, kubeconfigFile), shown: filepath.Join(dir, kubeconfigFile), pollInterval: 2 * time.Second}
	if strings.Contains(a.configPath, ",") {
		return nil, fmt.Errorf("image folder %s holds a comma, which QEMU's -fw_cfg cannot take", abs)
	}
	if a.tok, err = seededToken(a.configPath); err != nil {
		return nil, err
	}
	config := fmt.Sprintf("# Written by outpost image run for this boot; the token is the server's.\nrole: server\ntoken: %s\n", a.tok.Secret()) + userNetwork
	if err := atomicfile.Write(a.configPath, []byte(config), 0o600); err != nil {
		return nil, err
	}
	if err := os.Remove(a.kubeconfig); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if a.api, err = forwardTo(o, guestAPIServer); err != nil {
		return nil, err
	}
	if a.join, err = forwardTo(o, guestJoinAPI); err != nil {
		return nil, err
	}
	o.Extra = append(o.Extra, "-fw_cfg", "name="+metadata.FwCfgName+",file="+a.configPath)
	return a, nil
}

// userNetwork is QEMU's user network as a static configuration: its DHCP
// server leaves out the router under restrict=on, and a node wants a
// default route (the address is the one QEMU's DHCP would give).
const userNetwork = `network:
  interfaces:
    - name: eth0
      addresses: [10.0.2.15/24]
      gateway: 10.0.2.2
`

// seededToken is the server token of an earlier run (kept, so that a VM
// whose state outlives a run still accepts it), or a new one.
func seededToken(path string) (token.Token, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return token.Generate(token.UserServer, nil)
	}
	if err != nil {
		return token.Token{}, err
	}
	var c struct {
		Token string `yaml:"token"`
	}
	if err := yaml.Unmarshal(data, &c); err != nil || c.Token == "" {
		return token.Generate(token.UserServer, nil)
	}
	tok, err := token.Parse(c.Token)
	if err != nil || tok.HasCA() {
		return token.Generate(token.UserServer, nil)
	}
	return tok.WithUser(token.UserServer)
}

// forwardTo returns the host port forwarded to guest, adding a forward
// from a free port on 127.0.0.1 when there is none.
func forwardTo(o *qemu.Options, guest int) (int, error) {
	for _, f := range o.Forwards {
		if f.Guest == guest {
			return f.Host, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port for guest port %d: %w", guest, err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	o.Forwards = append(o.Forwards, qemu.Forward{Host: port, Guest: guest})
	return port, nil
}

func (a *clusterAccess) joinURL() string { return fmt.Sprintf("https://127.0.0.1:%d", a.join) }
func (a *clusterAccess) apiURL() string  { return fmt.Sprintf("https://127.0.0.1:%d", a.api) }

// announce says where the forwards are; the console may be in raw mode,
// hence \r\n.
func (a *clusterAccess) announce(w io.Writer) {
	fmt.Fprintf(w, "apiserver on %s, join API on %s (forwarded to the guest's %d and %d); %s appears once the server is ready\r\n",
		a.apiURL(), a.joinURL(), guestAPIServer, guestJoinAPI, a.shown)
}

// run waits for the join API in the VM, pins the CA it serves on first
// contact (the forward leads to our own VM on 127.0.0.1), fetches the
// admin kubeconfig pointing at the forwarded apiserver, writes it 0600
// and says how to use it. It gives up only when ctx ends (QEMU exited).
// Until the join API answers it waits quietly; once it answers, an error
// is shown (once, while it stays the same).
func (a *clusterAccess) run(ctx context.Context, w io.Writer) {
	var shown string
	for {
		data, answered, err := a.fetch(ctx)
		if err != nil && answered && err.Error() != shown && ctx.Err() == nil {
			shown = err.Error()
			fmt.Fprintf(w, "\r\noutpost image run: no kubeconfig yet: %v\r\n", err)
		}
		if err == nil {
			if err := atomicfile.Write(a.kubeconfig, data, 0o600); err != nil {
				fmt.Fprintf(w, "\r\noutpost image run: %v\r\n", err)
				return
			}
			fmt.Fprintf(w, "\r\noutpost image run: the cluster is ready: kubectl --kubeconfig %s get nodes\r\n", a.shown)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(a.pollInterval):
		}
	}
}

// fetch gets the kubeconfig; answered tells whether the join API was up.
func (a *clusterAccess) fetch(ctx context.Context) (data []byte, answered bool, err error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ca, err := firstCA(ctx, a.joinURL())
	if err != nil {
		return nil, false, err
	}
	data, err = fetchAdminKubeconfig(ctx, a.joinURL(), a.tok.WithCA(ca), a.apiURL())
	return data, true, err
}

// firstCA gets /cacerts without verifying the server: trust on first use,
// for a join API reached through our own forward. fetchAdminKubeconfig
// then pins that CA and checks the server's chain against it.
func firstCA(ctx context.Context, joinURL string) ([]byte, error) {
	hc := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, joinURL+"/cacerts", nil)
	if err != nil {
		return nil, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s/cacerts: %s", joinURL, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}
