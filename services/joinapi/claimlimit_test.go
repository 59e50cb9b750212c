package joinapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func withClaims(l ClaimLimits) func(*Config) { return func(c *Config) { c.Claims = l } }

// claim asks for a client-kubelet certificate as node name.
func claim(t *testing.T, c *Client, name string) error {
	t.Helper()
	csr, _ := newCSRPEM(t, nil)
	_, err := c.PostCSR(ctx(t), "client-kubelet.crt", csr, &NodeIdentity{Name: name, Password: name + "-password"})
	return err
}

func want429(t *testing.T, what string, err error, words string) {
	t.Helper()
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusTooManyRequests || !strings.Contains(se.Message, words) {
		t.Errorf("%s: %v, want 429 saying %q", what, err, words)
	}
}

func TestClaimRateAnswers429(t *testing.T) {
	e := newEnv(t, withClaims(ClaimLimits{PerMinute: 1, Burst: 3, MaxPending: 100}))
	c := e.client(t, e.agent)
	for i := range 3 {
		if err := claim(t, c, fmt.Sprintf("edge-%d", i)); err != nil {
			t.Fatalf("claim %d within the burst: %v", i, err)
		}
	}
	want429(t, "fourth new name", claim(t, c, "edge-3"), "at most 1 new names a minute")
	if err := claim(t, c, "edge-0"); err != nil {
		t.Errorf("a node that already holds its name was limited: %v", err)
	}
	if err := claim(t, e.client(t, e.server), "edge-server-joined"); err != nil {
		t.Errorf("the server token was limited: %v", err)
	}
	if _, err := NewSecretStore(e.kube).Get(ctx(t), "edge-3"); !errors.Is(err, ErrNoPassword) {
		t.Errorf("the refused claim stored a password: %v", err)
	}
}

func TestClaimRetryAfter(t *testing.T) {
	e := newEnv(t, withClaims(ClaimLimits{PerMinute: 1, Burst: 1, MaxPending: 100}))
	c := e.client(t, e.agent)
	if err := claim(t, c, "a"); err != nil {
		t.Fatal(err)
	}
	csr, _ := newCSRPEM(t, nil)
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPost, e.srv.URL+Prefix+"client-kubelet.crt", strings.NewReader(string(csr)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = c.headers(&NodeIdentity{Name: "b", Password: "pw"})
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); resp.StatusCode != http.StatusTooManyRequests || err != nil || s < 1 || s > 60 {
		t.Errorf("status %d Retry-After %q, want 429 with 1..60 s", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

func TestClaimCountAnswers429UntilNodesRegister(t *testing.T) {
	e := newEnv(t, withClaims(ClaimLimits{PerMinute: 6000, Burst: 100, MaxPending: 2}))
	c := e.client(t, e.agent)
	for _, n := range []string{"shop-1", "shop-2"} {
		if err := claim(t, c, n); err != nil {
			t.Fatal(err)
		}
	}
	want429(t, "third unused name", claim(t, c, "shop-3"), "outpost node release NAME")
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "shop-1"}}
	if _, err := e.kube.CoreV1().Nodes().Create(ctx(t), node, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := claim(t, c, "shop-3"); err != nil {
		t.Errorf("a claim once shop-1 registered its Node: %v", err)
	}
}
