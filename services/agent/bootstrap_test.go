package agent

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
)

func testOptions(t *testing.T, js *joinapitest.Server, name string) *Options {
	t.Helper()
	dir := t.TempDir()
	o := NewOptions()
	o.Server, o.Token, o.NodeName, o.NodeIP = js.URL, js.AgentToken.Encode(), name, "192.0.2.20"
	o.DataDir, o.NodePasswordFile = dir, filepath.Join(dir, "node", "password")
	if err := o.Complete(); err != nil {
		t.Fatal(err)
	}
	return o
}

func TestJoinWritesCredentials(t *testing.T) {
	js := joinapitest.Start(t)
	o := testOptions(t, js, "edge-1")
	tok, _ := o.token()
	n, err := joinOnce(context.Background(), o, tok, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if n.APIServer != "https://127.0.0.1:6443" || n.Cluster.ClusterDNS != "10.43.0.10" {
		t.Errorf("node %+v", n)
	}
	f := n.Files
	for path, mode := range map[string]os.FileMode{
		f.ServingKey: 0o600, f.ClientKey: 0o600, f.ProxyKey: 0o600, o.NodePasswordFile: 0o600,
		f.KubeletKubeconfig: 0o600, f.ProxyKubeconfig: 0o600, f.ServerCA: 0o644, f.ClientCert: 0o644,
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != mode {
			t.Errorf("%s: mode %o, want %o", path, st.Mode().Perm(), mode)
		}
	}
	client := readCert(t, f.ClientCert)
	if client.Subject.CommonName != "system:node:edge-1" || strings.Join(client.Subject.Organization, ",") != "system:nodes" {
		t.Errorf("kubelet client cert subject %v", client.Subject)
	}
	serving := readCert(t, f.ServingCert)
	if len(serving.IPAddresses) == 0 || !serving.IPAddresses[0].Equal(net.ParseIP("192.0.2.20")) {
		t.Errorf("kubelet serving cert IPs %v, want the node IP", serving.IPAddresses)
	}
	if proxy := readCert(t, f.ProxyCert); proxy.Subject.CommonName != "system:kube-proxy" {
		t.Errorf("kube-proxy cert CN %q", proxy.Subject.CommonName)
	}
	if ctl := readCert(t, f.ControllerCert); ctl.Subject.CommonName != joinapi.ControllerUserPrefix+"edge-1" {
		t.Errorf("controller cert CN %q", ctl.Subject.CommonName)
	}
	kc, _ := os.ReadFile(f.KubeletKubeconfig)
	if !strings.Contains(string(kc), "server: https://127.0.0.1:6443") {
		t.Errorf("kubelet kubeconfig:\n%s", kc)
	}
	// Joining again (a restart) keeps the keys.
	key1, _ := os.ReadFile(f.ClientKey)
	if _, err := joinOnce(context.Background(), o, tok, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	if key2, _ := os.ReadFile(f.ClientKey); string(key1) != string(key2) {
		t.Error("a second join replaced the node's key")
	}
}

func TestJoinRefusesWrongCAHash(t *testing.T) {
	js := joinapitest.Start(t)
	o := testOptions(t, js, "edge-2")
	o.Token = "K10" + strings.Repeat("ab", 32) + "::node:" + js.AgentToken.Secret()
	tok, err := o.token()
	if err != nil {
		t.Fatal(err)
	}
	_, err = joinOnce(context.Background(), o, tok, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "does not match the token's CA hash") {
		t.Fatalf("err = %v", err)
	}
	if strings.Contains(err.Error(), js.AgentToken.Secret()) {
		t.Error("the error shows the secret")
	}
	if _, err := os.Stat(o.agentDir("tls")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("credentials written for a server the token does not pin: %v", err)
	}
	if secrets, _ := js.Kube.CoreV1().Secrets("kube-system").List(context.Background(), metaList); len(secrets.Items) != 0 {
		t.Errorf("the server stored a node password: %d secrets", len(secrets.Items))
	}
}

func TestJoinRefusesSecondBoxWithTheSameName(t *testing.T) {
	js := joinapitest.Start(t)
	first := testOptions(t, js, "edge-3")
	tok, _ := first.token()
	if _, err := joinOnce(context.Background(), first, tok, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	second := testOptions(t, js, "edge-3")
	_, err := joinOnce(context.Background(), second, tok, slog.New(slog.DiscardHandler))
	var se *joinapi.StatusError
	if !errors.As(err, &se) || se.Code != 403 {
		t.Fatalf("second box with the same name: %v, want 403", err)
	}
}

func TestJoinGivesUpWhenCancelled(t *testing.T) {
	o := NewOptions()
	o.Server, o.Token, o.NodeName, o.NodeIP, o.DataDir = "https://127.0.0.1:1", "s3cret", "edge-4", "192.0.2.9", t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := join(ctx, o, slog.New(slog.DiscardHandler)); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
}

func TestOptionsNeedServerAndToken(t *testing.T) {
	o := NewOptions()
	err := o.validate()
	if err == nil || !strings.Contains(err.Error(), "no server given") || !strings.Contains(err.Error(), "no token given") {
		t.Errorf("err = %v", err)
	}
	o.Server, o.TokenFile, o.Labels = "http://x:9345", "/t", []string{"novalue"}
	err = o.validate()
	if err == nil || !strings.Contains(err.Error(), "not an https://HOST:PORT URL") || !strings.Contains(err.Error(), `--node-label "novalue"`) {
		t.Errorf("err = %v", err)
	}
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s holds no PEM", path)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var metaList = metav1.ListOptions{}
