package server_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/tests/vm"
)

// checkTokenRotation: outpost token rotate makes the old agent token
// useless (401) while a node that joined with it keeps its credentials
// and renews them with its node password; a deleted node cannot renew.
func checkTokenRotation(t *testing.T, s *server) {
	admin := s.client()
	old := agentClient(t, s)
	id := &joinapi.NodeIdentity{Name: "joined-before", Password: "joined-before-password"}
	_, csr := newKeyAndCSR(t)
	if err := postClaim(t, old, id.Name, id.Password); err != nil {
		t.Fatal(err)
	}
	registerNode(t, admin, id.Name, "10.77.0.40")
	ctl := controllerClient(t, s, old, id)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "token", "rotate", "--server", vm.LocalURL(s.ports.Supervisor),
		"--token-file", filepath.Join(s.dir, "server", "token"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("outpost token rotate: %v\n%s", err, stderr.String())
	}
	stored, err := os.ReadFile(filepath.Join(s.dir, "server", "agent-token"))
	if err != nil || strings.TrimSpace(string(out)) != strings.TrimSpace(string(stored)) || !strings.Contains(string(out), "::node:") {
		t.Fatalf("printed %q, stored %q (%v)", out, stored, err)
	}

	wantStatus(t, "the old agent token after rotation", errOf(old.Config(ctx)), 401)
	if _, err := agentClient(t, s).Config(ctx); err != nil {
		t.Errorf("the new agent token: %v", err)
	}
	if _, err := ctl.CoreV1().Nodes().Get(ctx, id.Name, metav1.GetOptions{}); err != nil {
		t.Errorf("a certificate issued before the rotation stopped working: %v", err)
	}
	if _, err := old.PostCSR(ctx, joinapi.RenewPath+"client-kubelet.crt", csr, id); err != nil {
		t.Errorf("renewal with the node password after rotation: %v", err)
	}
	if err := admin.CoreV1().Nodes().Delete(ctx, id.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "renewal of a deleted node", errOf(old.PostCSR(ctx, joinapi.RenewPath+"client-kubelet.crt", csr, id)), 403)
}
