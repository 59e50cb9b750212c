package token

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func checkMode0600(t *testing.T, p string) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want 0600", p, fi.Mode().Perm())
	}
}

func TestEnsureServerGeneratesAndKeeps(t *testing.T) {
	dir := t.TempDir()
	s, a, err := EnsureServer(dir, "", "", caPEM)
	if err != nil {
		t.Fatal(err)
	}
	if s.User() != UserServer || a.User() != UserNode || s.CAHash() != CAHash(caPEM) || a.CAHash() != CAHash(caPEM) || s.Secret() == a.Secret() {
		t.Errorf("tokens %v %v", s, a)
	}
	sp, ap := filepath.Join(dir, "token"), filepath.Join(dir, "agent-token")
	if readFile(t, sp) != s.Encode()+"\n" || readFile(t, ap) != a.Encode()+"\n" {
		t.Error("files do not hold the full tokens")
	}
	checkMode0600(t, sp)
	checkMode0600(t, ap)

	s2, a2, err := EnsureServer(dir, "", "", caPEM)
	if err != nil || !s2.Equal(s) || !a2.Equal(a) {
		t.Fatalf("restart changed the tokens (%v)", err)
	}
	for _, given := range []string{s.Encode(), s.Secret()} {
		s3, _, err := EnsureServer(dir, given, a.Secret(), caPEM)
		if err != nil || !s3.Equal(s) {
			t.Errorf("restart with the same token refused: %v", err)
		}
	}
}

func TestEnsureServerUsesGivenToken(t *testing.T) {
	dir := t.TempDir()
	s, a, err := EnsureServer(dir, secret, "agent-"+secret, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	if s.Secret() != secret || a.Secret() != "agent-"+secret {
		t.Error("given secrets not used")
	}
	if readFile(t, filepath.Join(dir, "token")) != "K10"+CAHash(caPEM)+"::server:"+secret+"\n" {
		t.Error("server token file is not the full form of the given secret")
	}
}

func TestEnsureServerRefusesDifferentToken(t *testing.T) {
	dir := t.TempDir()
	if _, _, err := EnsureServer(dir, secret, "", caPEM); err != nil {
		t.Fatal(err)
	}
	before := readFile(t, filepath.Join(dir, "token"))
	beforeAgent := readFile(t, filepath.Join(dir, "agent-token"))
	for name, c := range map[string][2]string{
		"server": {"another-secret-value", ""},
		"agent":  {secret, "another-agent-secret"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := EnsureServer(dir, c[0], c[1], caPEM)
			if !errors.Is(err, ErrMismatch) {
				t.Fatalf("want ErrMismatch, got %v", err)
			}
			if strings.Contains(err.Error(), "another") || strings.Contains(err.Error(), secret) {
				t.Errorf("error leaks a secret: %v", err)
			}
			if readFile(t, filepath.Join(dir, "token")) != before || readFile(t, filepath.Join(dir, "agent-token")) != beforeAgent {
				t.Error("token files changed")
			}
		})
	}
}

func TestEnsureServerRefusesBadGiven(t *testing.T) {
	otherHash, _ := New(UserServer, secret, otherCA)
	nodeTok, _ := New(UserNode, secret, caPEM)
	for name, c := range map[string]struct{ server, agent, want string }{
		"wrong CA hash":       {otherHash.Encode(), "", "does not match the token's CA hash"},
		"node user as server": {nodeTok.Encode(), "", `want "server"`},
		"malformed":           {"K10abc::server:x", "", "--token"},
		"malformed agent":     {"", "a b", "--agent-token"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, _, err := EnsureServer(dir, c.server, c.agent, caPEM)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("files written on error: %v", entries)
			}
		})
	}
}

func TestEnsureServerCorruptStoredToken(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "token")
	if err := os.WriteFile(p, []byte("K10zz::oops"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := EnsureServer(dir, "", "", caPEM)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("want an error naming %s, got %v", p, err)
	}
	if readFile(t, p) != "K10zz::oops" {
		t.Error("corrupt token overwritten")
	}
	if _, err := os.Stat(filepath.Join(dir, "agent-token")); !os.IsNotExist(err) {
		t.Error("agent token written although the server token failed")
	}
}

func TestEnsureServerCAChangedKeepsSecret(t *testing.T) {
	dir := t.TempDir()
	s, _, err := EnsureServer(dir, "", "", caPEM)
	if err != nil {
		t.Fatal(err)
	}
	s2, _, err := EnsureServer(dir, "", "", otherCA)
	if err != nil {
		t.Fatal(err)
	}
	if s2.Secret() != s.Secret() || s2.CAHash() != CAHash(otherCA) {
		t.Error("CA change should keep the secret and update the hash")
	}
	if readFile(t, filepath.Join(dir, "token")) != s2.Encode()+"\n" {
		t.Error("token file not updated to the new CA hash")
	}
}

func TestEnsureServerUnwritable(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "server")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err := EnsureServer(blocker, "", "", caPEM)
	if err == nil || !strings.Contains(err.Error(), blocker) {
		t.Fatalf("want an error naming %s, got %v", blocker, err)
	}
	if _, _, err := EnsureServer(t.TempDir(), "", "", nil); err == nil {
		t.Error("empty CA accepted")
	}
}

func TestEnsureServerRefusesAgentTokenEqualToServerToken(t *testing.T) {
	dir := t.TempDir()
	_, _, err := EnsureServer(dir, secret, secret, caPEM)
	if err == nil || !strings.Contains(err.Error(), "must not be the key to the cluster") || strings.Contains(err.Error(), secret) {
		t.Fatalf("the same secret for both tokens: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a refused start wrote %d files", len(entries))
	}
}

func TestRotateAgent(t *testing.T) {
	dir := t.TempDir()
	ca := []byte("ca-pem")
	server, agent, err := EnsureServer(dir, "", "first-agent-secret", ca)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := RotateAgent(dir, server.Secret(), server, ca); err == nil {
		t.Error("rotated to the server token's secret")
	}
	rotated, err := RotateAgent(dir, "", server, ca)
	if err != nil {
		t.Fatal(err)
	}
	if rotated.Secret() == agent.Secret() || rotated.User() != UserNode || !rotated.HasCA() {
		t.Fatalf("rotated token %v", rotated)
	}
	// A restart with the provisioning's old --agent-token keeps the new one.
	_, again, err := EnsureServer(dir, "", "first-agent-secret", ca)
	if err != nil || again.Secret() != rotated.Secret() {
		t.Fatalf("restart after rotation: %v %v", again, err)
	}
	if st, err := os.Stat(filepath.Join(dir, AgentFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("agent token file: %v", err)
	}
	chosen, err := RotateAgent(dir, "chosen-agent-secret", server, ca)
	if err != nil || chosen.Secret() != "chosen-agent-secret" {
		t.Errorf("rotate to a chosen secret: %v %v", chosen, err)
	}
}
