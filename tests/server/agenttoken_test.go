package server_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
	"github.com/outpost-os/outpost/tests/vm"
)

// The server of TestSQLite carries these --tls-san entries.
const (
	sanName = "edge-api.example.com"
	sanIP   = "192.0.2.77"
)

// checkAgentTokenLimits is what a holder of the agent token (public: it
// sits on every box) cannot do: get a kubelet serving certificate for the
// server's names or addresses or another node's, have one pass for the API
// server, or change a Node other than its own.
func checkAgentTokenLimits(t *testing.T, s *server) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := agentClient(t, s)
	admin := s.client()
	other := registerNode(t, admin, "edge-other", "10.77.0.2")

	t.Run("serving certificates for what is not the node's", func(t *testing.T) {
		for what, id := range map[string]*joinapi.NodeIdentity{
			"the server's node name": {Name: nodeName, Password: "p1", IPs: []net.IP{net.ParseIP("10.77.0.10")}},
			"a --tls-san name":       {Name: sanName, Password: "p2", IPs: []net.IP{net.ParseIP("10.77.0.11")}},
			"a --tls-san IP":         {Name: "edge-san", Password: "p3", IPs: []net.IP{net.ParseIP(sanIP)}},
			"another node's address": {Name: "edge-thief", Password: "p4", IPs: []net.IP{net.ParseIP("10.77.0.2")}},
			"the first service IP":   {Name: "edge-svc", Password: "p5", IPs: []net.IP{net.ParseIP("10.43.0.1")}},
		} {
			_, err := c.PostCSR(ctx, "serving-kubelet.crt", newCSR(t, "x"), id)
			wantStatus(t, what, err, http.StatusForbidden)
		}
	})

	t.Run("a kubelet serving certificate is not the API server's", func(t *testing.T) {
		id := &joinapi.NodeIdentity{Name: "edge-fair", Password: "pw-fair", IPs: []net.IP{net.ParseIP("10.77.0.20")}}
		servingPEM, err := c.PostCSR(ctx, "serving-kubelet.crt", newCSR(t, "x"), id)
		if err != nil {
			t.Fatal(err)
		}
		cert := parseCertPEM(t, servingPEM)
		// The CA every kubeconfig (the admin's) trusts for the API server.
		kc, err := clientcmd.LoadFromFile(filepath.Join(s.dir, "admin.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		for _, cl := range kc.Clusters {
			pool.AppendCertsFromPEM(cl.CertificateAuthorityData)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool, DNSName: "edge-fair"}); err == nil {
			t.Fatal("a kubelet serving certificate verifies against the admin kubeconfig's CA")
		}
	})

	t.Run("an agent's identity changes only its own Node", func(t *testing.T) {
		mine := registerNode(t, admin, "edge-mine", "10.77.0.30")
		ctl := controllerClient(t, s, c, &joinapi.NodeIdentity{Name: mine, Password: "pw-mine"})
		patch := []byte(`{"metadata":{"labels":{"outpost.test/owned":"yes"}}}`)
		if _, err := ctl.CoreV1().Nodes().Patch(ctx, mine, types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatalf("patch its own node: %v", err)
		}
		// The admission policy takes effect shortly after the add-on
		// created it; a dry run shows when, and changes nothing.
		waitForbidden(t, func() error {
			_, err := ctl.CoreV1().Nodes().Patch(ctx, other, types.MergePatchType, patch, metav1.PatchOptions{DryRun: []string{metav1.DryRunAll}})
			return err
		})
		_, err := ctl.CoreV1().Nodes().Patch(ctx, other, types.MergePatchType, patch, metav1.PatchOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), "only its own Node") {
			t.Fatalf("patch another node: %v, want forbidden", err)
		}
		status := []byte(`{"status":{"addresses":[{"type":"InternalIP","address":"10.77.0.30"}]}}`)
		_, err = ctl.CoreV1().Nodes().Patch(ctx, other, types.MergePatchType, status, metav1.PatchOptions{}, "status")
		if !apierrors.IsForbidden(err) {
			t.Fatalf("patch another node's status: %v, want forbidden", err)
		}
		if err := ctl.CoreV1().Nodes().Delete(ctx, other, metav1.DeleteOptions{}); !apierrors.IsForbidden(err) {
			t.Fatalf("delete another node: %v, want forbidden", err)
		}
		n, err := admin.CoreV1().Nodes().Get(ctx, other, metav1.GetOptions{})
		if err != nil || n.Labels["outpost.test/owned"] != "" {
			t.Fatalf("the other node after the attempts: %v %v", n.Labels, err)
		}
		// Reading every node (flannel's subnets) is allowed.
		if _, err := ctl.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
			t.Fatalf("list nodes: %v", err)
		}
	})
}

// waitForbidden waits for try to be refused as forbidden, up to a minute.
func waitForbidden(t *testing.T, try func() error) {
	t.Helper()
	vm.MustPoll(t, "refused as forbidden", time.Minute, time.Second, func() (bool, error) {
		err := try()
		return apierrors.IsForbidden(err), err
	})
}

// agentClient is a join API client holding the server's agent token.
func agentClient(t *testing.T, s *server) *joinapi.Client {
	t.Helper()
	agentTok, err := token.ReadFile(filepath.Join(s.dir, "server", "agent-token"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(s.dir, "server", "tls", "server-ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	c, err := joinapi.NewClient(vm.LocalURL(s.ports.Supervisor), agentTok, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// registerNode creates a Node with an InternalIP, as a kubelet would.
func registerNode(t *testing.T, admin kubernetes.Interface, name, ip string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := admin.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A patch, not an update: the node controller changes new nodes too.
	status := fmt.Sprintf(`{"status":{"addresses":[{"type":"InternalIP","address":%q}]}}`, ip)
	if _, err := admin.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, []byte(status), metav1.PatchOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
	return name
}

// controllerClient gets the controller certificate of node through the
// join API and returns a client acting with it.
func controllerClient(t *testing.T, s *server, c *joinapi.Client, node *joinapi.NodeIdentity) kubernetes.Interface {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	keyPEM, csr := newKeyAndCSR(t)
	certPEM, err := c.PostCSR(ctx, "client-controller.crt", csr, node)
	if err != nil {
		t.Fatal(err)
	}
	cfg := s.restConfig()
	cfg.TLSClientConfig = rest.TLSClientConfig{CAData: cfg.TLSClientConfig.CAData, CAFile: cfg.TLSClientConfig.CAFile, CertData: certPEM, KeyData: keyPEM}
	cfg.CertFile, cfg.KeyFile = "", ""
	cl, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
