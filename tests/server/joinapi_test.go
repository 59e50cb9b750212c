package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
	"github.com/outpost-os/outpost/tests/vm"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// checkJoinAPI drives the join API of a running server like an agent.
func checkJoinAPI(t *testing.T, s *server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	base := vm.LocalURL(s.ports.Supervisor)
	agentTok, err := token.ReadFile(filepath.Join(s.dir, "server", "agent-token"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(s.dir, "server", "tls", "server-ca.crt"))
	if err != nil {
		t.Fatal(err)
	}

	t.Run("CA pinning", func(t *testing.T) {
		got, err := joinapi.FetchCA(ctx, base, agentTok)
		if err != nil || string(got) != string(caPEM) {
			t.Fatalf("right hash: %v", err)
		}
		otherCA, err := os.ReadFile(filepath.Join(s.dir, "server", "tls", "client-ca.crt"))
		if err != nil {
			t.Fatal(err)
		}
		wrong, err := token.New(agentTok.User(), agentTok.Secret(), otherCA)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := joinapi.FetchCA(ctx, base, wrong); err == nil {
			t.Fatal("a token pinning another CA was accepted")
		}
	})

	t.Run("401", func(t *testing.T) {
		bad, err := token.New(token.UserNode, "not-the-secret", caPEM)
		if err != nil {
			t.Fatal(err)
		}
		c, err := joinapi.NewClient(base, bad, caPEM)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		wantStatus(t, "wrong token", errOf(c.Config(ctx)), http.StatusUnauthorized)
		resp, err := tlsClient(t, caPEM).Get(base + "/v1-outpost/config")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("no token: %d, want 401", resp.StatusCode)
		}
	})

	c, err := joinapi.NewClient(base, agentTok, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()

	t.Run("config", func(t *testing.T) {
		cc, err := c.Config(ctx)
		if err != nil || cc.ClusterCIDR != "10.42.0.0/16" || cc.ClusterDNS != "10.43.0.10" || cc.APIServerPort != s.ports.HTTPS {
			t.Fatalf("config %+v: %v", cc, err)
		}
	})

	t.Run("CSR signing and node password", func(t *testing.T) {
		node := &joinapi.NodeIdentity{Name: "edge-1", Password: "pw-of-edge-1", IPs: []net.IP{net.ParseIP("192.0.2.9")}}
		clientPEM, err := c.PostCSR(ctx, "client-kubelet.crt", newCSR(t, "ignored"), node)
		if err != nil {
			t.Fatal(err)
		}
		cert := parseCertPEM(t, clientPEM)
		clientCA, _ := loadCA(t, s.dir, "client-ca")
		if cert.Subject.CommonName != "system:node:edge-1" || !slices.Equal(cert.Subject.Organization, []string{"system:nodes"}) || cert.CheckSignatureFrom(clientCA) != nil {
			t.Fatalf("client cert %v O %v", cert.Subject.CommonName, cert.Subject.Organization)
		}
		servingPEM, err := c.PostCSR(ctx, "serving-kubelet.crt", newCSR(t, "ignored"), node)
		if err != nil {
			t.Fatal(err)
		}
		serving := parseCertPEM(t, servingPEM)
		kubeletCA, _ := loadCA(t, s.dir, "kubelet-ca")
		if !slices.Contains(serving.DNSNames, "edge-1") || len(serving.IPAddresses) == 0 || !serving.IPAddresses[0].Equal(node.IPs[0]) || serving.CheckSignatureFrom(kubeletCA) != nil {
			t.Fatalf("serving cert SANs %v %v, or not from kubelet-ca", serving.DNSNames, serving.IPAddresses)
		}
		sec, err := s.client().CoreV1().Secrets("kube-system").Get(ctx, joinapi.SecretName("edge-1"), metav1.GetOptions{})
		if err != nil || sec.Type != joinapi.SecretType || len(sec.Data[joinapi.SecretHashKey]) == 0 {
			t.Fatalf("node-password secret: %v", err)
		}
		if string(sec.Data[joinapi.SecretHashKey]) == node.Password {
			t.Fatal("the secret holds the password itself, not a hash")
		}
		thief := &joinapi.NodeIdentity{Name: "edge-1", Password: "another-box"}
		_, err = c.PostCSR(ctx, "client-kubelet.crt", newCSR(t, "x"), thief)
		wantStatus(t, "second claimant", err, http.StatusForbidden)
		if _, err := c.PostCSR(ctx, "client-kubelet.crt", newCSR(t, "x"), node); err != nil {
			t.Fatalf("the rightful node again: %v", err)
		}
	})
}

func errOf[T any](_ T, err error) error { return err }

func wantStatus(t *testing.T, what string, err error, code int) {
	t.Helper()
	var se *joinapi.StatusError
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("%s: got %v, want status %d", what, err, code)
	}
}

func tlsClient(t *testing.T, caPEM []byte) *http.Client {
	t.Helper()
	pool := x509PoolOf(t, caPEM)
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}
