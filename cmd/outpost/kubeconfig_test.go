//go:build !initramfs

package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
	"github.com/outpost-os/outpost/services/token"
)

func kubeconfigCmd(t *testing.T, args ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return runKubeconfig(ctx, args)
}

func TestKubeconfigCommand(t *testing.T) {
	js := joinapitest.Start(t)
	url, serverTok, agentTok, caPEM := js.URL, js.ServerTokenFile, js.AgentTokenFile, js.Certs.ServerCA.CertPEM
	out := filepath.Join(t.TempDir(), "kubeconfig")

	if err := kubeconfigCmd(t, "--server", url, "--token-file", serverTok, "--out", out, "--api-server", "https://127.0.0.1:16443"); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(out)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig mode %v: %v", info.Mode().Perm(), err)
	}
	cfg, err := clientcmd.LoadFromFile(out)
	if err != nil {
		t.Fatal(err)
	}
	cluster := cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster]
	if cluster.Server != "https://127.0.0.1:16443" || string(cluster.CertificateAuthorityData) != string(caPEM) {
		t.Errorf("server %q or CA wrong", cluster.Server)
	}

	t.Run("bare secret in $OUTPOST_TOKEN, to stdout", func(t *testing.T) {
		tok, err := token.ReadFile(serverTok)
		if err != nil {
			t.Fatal(err)
		}
		t.Setenv(envToken, tok.Secret())
		stdout := filepath.Join(t.TempDir(), "stdout")
		f, err := os.Create(stdout)
		if err != nil {
			t.Fatal(err)
		}
		saved := os.Stdout
		os.Stdout = f
		err = kubeconfigCmd(t, "--server", url)
		os.Stdout = saved
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(stdout)
		if !strings.Contains(string(data), "server: "+joinapitest.APIServerURL) || !strings.Contains(string(data), "client-key-data") {
			t.Errorf("stdout lacks the advertised server or the key:\n%s", data)
		}
	})

	refused := filepath.Join(t.TempDir(), "refused")
	wrongSecret := writeToken(t, "K10"+token.CAHash(caPEM)+"::server:not-the-secret")
	wrongCA := writeToken(t, "K10"+token.CAHash([]byte("another CA"))+"::server:whatever")
	for name, c := range map[string]struct {
		args []string
		want string
	}{
		"agent token":  {[]string{"--token-file", agentTok}, "this token is an agent token: admin access needs the server token (403)"},
		"wrong secret": {[]string{"--token-file", wrongSecret}, "the server refused the token (401): "},
		"wrong CA":     {[]string{"--token-file", wrongCA}, "does not match the token's CA hash"},
		"no token":     {nil, "--token-file FILE or $OUTPOST_TOKEN"},
		"token in argv": {[]string{"--token-file", serverTok, "K10abc::server:secret"},
			"never the command line"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(envToken, "")
			err := kubeconfigCmd(t, append([]string{"--server", url, "--out", refused}, c.args...)...)
			if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "not-the-secret") || strings.Contains(err.Error(), "K10abc") {
				t.Fatalf("got %v, want an error with %q", err, c.want)
			}
			if _, err := os.Stat(refused); err == nil {
				t.Fatal("a kubeconfig was written although the server refused")
			}
		})
	}
}

func writeToken(t *testing.T, tok string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(p, []byte(tok+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
