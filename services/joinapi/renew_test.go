package joinapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/outpost-os/outpost/services/token"
)

// withRotation lets the env's handler rotate its agent token in memory.
func withRotation(e **env) func(*Config) {
	return func(c *Config) {
		c.RotateAgent = func(_ context.Context, secret string) (token.Token, error) {
			if secret == "" {
				return token.Generate(token.UserNode, (*e).certs.ServerCA.CertPEM)
			}
			return token.New(token.UserNode, secret, (*e).certs.ServerCA.CertPEM)
		}
	}
}

func TestRotateAgentToken(t *testing.T) {
	var e *env
	e = newEnv(t, withRotation(&e))
	old := e.client(t, e.agent)
	if _, err := old.RotateAgentToken(ctx(t), ""); !isStatus(err, http.StatusForbidden) {
		t.Fatalf("the agent token rotated itself: %v", err)
	}
	fresh, err := e.client(t, e.server).RotateAgentToken(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Secret() == e.agent.Secret() || fresh.CAHash() != e.agent.CAHash() {
		t.Fatalf("new token %v", fresh)
	}
	if _, err := old.Config(ctx(t)); !isStatus(err, http.StatusUnauthorized) {
		t.Errorf("the old agent token after rotation: %v, want 401", err)
	}
	if _, err := e.client(t, fresh).Config(ctx(t)); err != nil {
		t.Errorf("the new agent token: %v", err)
	}
}

func isStatus(err error, code int) bool {
	var se *StatusError
	return errors.As(err, &se) && se.Code == code
}

func TestRenewNeedsPasswordAndRegisteredNode(t *testing.T) {
	var e *env
	e = newEnv(t, withRotation(&e))
	id := &NodeIdentity{Name: "edge-5", Password: "edge-5-password"}
	csr, _ := newCSRPEM(t, nil)
	if _, err := e.client(t, e.agent).PostCSR(ctx(t), "client-kubelet.crt", csr, id); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client(t, e.server).RotateAgentToken(ctx(t), ""); err != nil {
		t.Fatal(err)
	}
	old := e.client(t, e.agent) // the token it holds is refused now
	_, err := old.PostCSR(ctx(t), RenewPath+"client-kubelet.crt", csr, id)
	if !isStatus(err, http.StatusForbidden) || !strings.Contains(err.Error(), "not registered") {
		t.Errorf("renewal before the Node exists: %v, want 403 not registered", err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "edge-5"}}
	if _, err := e.kube.CoreV1().Nodes().Create(ctx(t), node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, route := range []string{"client-kubelet.crt", "client-controller.crt", "serving-kubelet.crt"} {
		out, err := old.PostCSR(ctx(t), RenewPath+route, csr, &NodeIdentity{Name: "edge-5", Password: "edge-5-password", IPs: nil})
		if err != nil {
			t.Fatalf("%s: renewal with the node password: %v", route, err)
		}
		cert := parseChain(t, out)[0]
		if life := cert.NotAfter.Sub(cert.NotBefore); route != "serving-kubelet.crt" && life > NodeCertValidity+time.Minute {
			t.Errorf("%s: valid for %s, want at most %s", route, life, NodeCertValidity)
		}
	}
	if _, err := old.PostCSR(ctx(t), RenewPath+"client-kubelet.crt", csr, &NodeIdentity{Name: "edge-5", Password: "guess"}); !isStatus(err, http.StatusForbidden) {
		t.Errorf("renewal with another password: %v, want 403", err)
	}
	if _, err := old.PostCSR(ctx(t), RenewPath+"client-kubelet.crt", csr, &NodeIdentity{Name: "edge-6", Password: "x"}); !isStatus(err, http.StatusForbidden) {
		t.Errorf("renewal of an unclaimed name: %v, want 403", err)
	}
	if _, err := NewSecretStore(e.kube).Get(ctx(t), "edge-6"); !errors.Is(err, ErrNoPassword) {
		t.Errorf("a renewal claimed a name: %v", err)
	}
	if err := e.kube.CoreV1().Nodes().Delete(ctx(t), "edge-5", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := old.PostCSR(ctx(t), RenewPath+"client-kubelet.crt", csr, id); !isStatus(err, http.StatusForbidden) {
		t.Errorf("renewal of a deleted node: %v, want 403", err)
	}
}
