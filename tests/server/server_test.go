package server_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/tests/vm"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// testSecret is the token secret given on the command line.
const testSecret = "cmdline-secret-5f2a9c"

// TestSQLite runs one server on kine/SQLite through its life: start with a
// token on the command line, objects, RBAC, join API, refusals while it
// runs and while it is stopped, and a restart on the same data dir.
func TestSQLite(t *testing.T) {
	dir := t.TempDir()
	p := vm.MustFreeServerPorts(t)
	sans := []string{"--tls-san", sanName, "--tls-san", sanIP}
	s := start(t, dir, p, append([]string{"--token", testSecret}, sans...)...)

	t.Run("token not in cmdline or environ", func(t *testing.T) { checkProcHidesSecret(t, s.cmd.Process.Pid, testSecret) })
	t.Run("files", func(t *testing.T) { checkFiles(t, dir) })
	t.Run("objects", func(t *testing.T) {
		c := s.client()
		createObjects(t, c)
		checkObjects(t, c)
		waitDeploymentPods(t, c)
	})
	t.Run("Secrets encrypted at rest", func(t *testing.T) { checkSecretsAtRest(t, dir, true) })
	t.Run("RBAC denies an unprivileged client", func(t *testing.T) { checkRBAC(t, s) })
	t.Run("kubectl built in", func(t *testing.T) { checkKubectl(t, s) })
	t.Run("join API", func(t *testing.T) { checkJoinAPI(t, s) })
	t.Run("outpost kubeconfig", func(t *testing.T) { checkKubeconfigCommand(t, s) })
	var addonVersions map[string]string
	t.Run("CoreDNS add-on", func(t *testing.T) { addonVersions = waitAddons(t, s) })
	// After the add-ons: the rbac one holds the controllers' role and policy.
	t.Run("agent token holds no key to the cluster", func(t *testing.T) { checkAgentTokenLimits(t, s) })
	t.Run("agent token rotation", func(t *testing.T) { checkTokenRotation(t, s) })
	// Last of the claims: it exhausts the claim limit.
	t.Run("node names", func(t *testing.T) { checkNodeNames(t, s) })
	t.Run("second server on the same data dir", func(t *testing.T) {
		out := runFailing(t, serverArgs(dir, vm.MustFreeServerPorts(t))...)
		if !strings.Contains(out, "in use by another outpost server") {
			t.Fatalf("want a lock error, got:\n%s", out)
		}
	})
	t.Run("occupied port", func(t *testing.T) {
		other := t.TempDir()
		out := runFailing(t, serverArgs(other, vm.ServerPorts{HTTPS: p.HTTPS, Supervisor: vm.MustFreePort(t), EtcdClient: vm.MustFreePort(t), EtcdPeer: vm.MustFreePort(t)})...)
		if !strings.Contains(out, "--https-listen-port") || !strings.Contains(out, "not available") {
			t.Fatalf("want a port error naming the flag, got:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(other, "server")); err == nil {
			t.Fatal("the refused server created its data dir")
		}
	})

	tlsBefore := treeHashes(t, filepath.Join(dir, "server", "tls"))
	s.stop()
	stopped := treeHashes(t, filepath.Join(dir, "server"))

	t.Run("different token refused", func(t *testing.T) {
		out := runFailing(t, serverArgs(dir, p, append([]string{"--token", "another-secret-77"}, sans...)...)...)
		if !strings.Contains(out, "different token") || strings.Contains(out, "another-secret-77") {
			t.Fatalf("want a mismatch error without the secret, got:\n%s", out)
		}
		sameTree(t, "after a refused token", stopped, treeHashes(t, filepath.Join(dir, "server")))
	})
	t.Run("malformed token refused", func(t *testing.T) {
		out := runFailing(t, serverArgs(dir, p, append([]string{"--token", "K10abc::server:x"}, sans...)...)...)
		if !strings.Contains(out, "--token is malformed") || strings.Contains(out, "K10abc") {
			t.Fatalf("want a malformed-token error without the token, got:\n%s", out)
		}
		sameTree(t, "after a malformed token", stopped, treeHashes(t, filepath.Join(dir, "server")))
	})

	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte(testSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = start(t, dir, p, append([]string{"--token-file", tokenFile}, sans...)...)
	t.Run("objects survive a restart", func(t *testing.T) { checkObjects(t, s.client()) })
	t.Run("CoreDNS add-on applied again without change", func(t *testing.T) {
		if got := waitAddons(t, s); addonVersions != nil && !maps.Equal(got, addonVersions) {
			t.Errorf("the restart changed the add-on objects: %v -> %v", addonVersions, got)
		}
	})
	t.Run("certificates reused", func(t *testing.T) {
		sameTree(t, "certificates after restart", tlsBefore, treeHashes(t, filepath.Join(dir, "server", "tls")))
	})
	s.stop()
}

func checkProcHidesSecret(t *testing.T, pid int, secret string) {
	proc := "/proc/" + strconv.Itoa(pid)
	vm.MustPoll(t, "cmdline rewritten", 10*time.Second, pollInterval, func() (bool, error) {
		cmdline, err := os.ReadFile(proc + "/cmdline")
		return err == nil && bytes.Contains(cmdline, []byte("--data-dir")) && !bytes.Contains(cmdline, []byte(secret)), err
	})
	for _, f := range []string{"cmdline", "environ"} {
		data, err := os.ReadFile(proc + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(data, []byte(secret)) {
			t.Fatalf("the token is in %s/%s", proc, f)
		}
	}
}

func checkFiles(t *testing.T, dir string) {
	for _, f := range []string{"server/token", "server/agent-token", "server/tls/client-ca.key", "server/tls/service.key", "admin.yaml"} {
		info, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, info.Mode().Perm())
		}
	}
	tok, err := os.ReadFile(filepath.Join(dir, "server", "token"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(tok), "K10") || !strings.HasSuffix(strings.TrimSpace(string(tok)), "::server:"+testSecret) {
		t.Errorf("token file is not the K10 form of the given secret")
	}
	kc, err := os.ReadFile(filepath.Join(dir, "admin.yaml"))
	if err != nil || !strings.Contains(string(kc), "client-certificate-data") || !strings.Contains(string(kc), "https://127.0.0.1:") {
		t.Errorf("admin kubeconfig lacks embedded certificates or the loopback URL: %v", err)
	}
}

// checkRBAC proves that a client with a valid certificate from the client
// CA but no role is authenticated and then denied.
func checkRBAC(t *testing.T, s *server) {
	ca, caKey := loadCA(t, s.dir, "client-ca")
	certPEM, keyPEM := clientCert(t, ca, caKey, "nobody")
	cfg := rest.CopyConfig(s.restConfig())
	cfg.TLSClientConfig.CertData, cfg.TLSClientConfig.KeyData = certPEM, keyPEM
	cfg.TLSClientConfig.CertFile, cfg.TLSClientConfig.KeyFile = "", ""
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{})
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `"nobody"`) {
		t.Fatalf("want forbidden for user nobody, got %v", err)
	}
	if _, err := s.client().CoreV1().Secrets("kube-system").List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatalf("admin is denied too: %v", err)
	}
}

func x509PoolOf(t *testing.T, caPEM []byte) *x509.CertPool {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		t.Fatal("no CA certificate")
	}
	return pool
}

// checkKubectl runs the built-in kubectl as a subcommand and through a
// link named kubectl.
func checkKubectl(t *testing.T, s *server) {
	link := filepath.Join(t.TempDir(), "kubectl")
	if err := os.Symlink(binary, link); err != nil {
		t.Fatal(err)
	}
	kc := filepath.Join(s.dir, "admin.yaml")
	for _, argv := range [][]string{
		{binary, "kubectl", "--kubeconfig", kc, "get", "configmap", "cm", "-n", testNS, "-o", "jsonpath={.data.greeting}"},
		{link, "--kubeconfig", kc, "get", "configmap", "cm", "-n", testNS, "-o", "jsonpath={.data.greeting}"},
	} {
		out, err := vm.Run(time.Minute, argv[0], argv[1:]...)
		if err != nil || out != "hello" {
			t.Errorf("%s: %v: %q", filepath.Base(argv[0]), err, out)
		}
	}
}
