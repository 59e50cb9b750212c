package server_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/outpost-os/outpost/tests/vm"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestEmbeddedEtcd runs a server on embedded etcd (--cluster-init),
// restarts it and finds its objects and certificates again.
func TestEmbeddedEtcd(t *testing.T) {
	dir := t.TempDir()
	p := vm.MustFreeServerPorts(t)
	// The agent token from the environment: read, then gone from the
	// process's environment.
	const agentSecret = "agent-secret-from-the-environment"
	t.Setenv("OUTPOST_AGENT_TOKEN", agentSecret)
	s := start(t, dir, p, "--cluster-init", "--disable", "coredns", "--secrets-encryption=false")
	os.Unsetenv("OUTPOST_AGENT_TOKEN")
	t.Run("agent token not left in environ", func(t *testing.T) {
		checkProcHidesSecret(t, s.cmd.Process.Pid, agentSecret)
		tok, err := os.ReadFile(filepath.Join(dir, "server", "agent-token"))
		if err != nil || !bytes.Contains(tok, []byte(agentSecret)) {
			t.Fatalf("the agent token file does not hold the token from the environment: %v", err)
		}
	})
	t.Run("--disable coredns", func(t *testing.T) { checkAddonsDisabled(t, s) })
	if _, err := os.Stat(filepath.Join(dir, "server", "db", "etcd", "member")); err != nil {
		t.Fatalf("no etcd member dir: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "server", "db", "state.db")); err == nil {
		t.Fatal("SQLite database created although etcd was chosen")
	}
	c := s.client()
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "in-etcd"}, Data: map[string]string{"k": "v"}}
	if _, err := c.CoreV1().ConfigMaps("default").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	createObjects(t, c)
	waitDeploymentPods(t, c)
	t.Run("Secrets in clear with --secrets-encryption=false", func(t *testing.T) { checkSecretsAtRest(t, dir, false) })
	t.Run("as external etcd of a second server", func(t *testing.T) { checkExternalEtcd(t, s) })
	tlsBefore := treeHashes(t, filepath.Join(dir, "server", "tls"))
	s.stop()

	// Without --cluster-init: the existing etcd directory keeps etcd.
	s = start(t, dir, p)
	if !contains(s.output(), "datastore: embedded-etcd") {
		t.Fatalf("restart did not use embedded etcd:\n%s", s.output())
	}
	got, err := s.client().CoreV1().ConfigMaps("default").Get(ctx, "in-etcd", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("configmap after restart: %v", err)
	}
	checkObjects(t, s.client())
	t.Run("CoreDNS add-on once enabled", func(t *testing.T) { waitAddons(t, s) })
	sameTree(t, "certificates after restart", tlsBefore, treeHashes(t, filepath.Join(dir, "server", "tls")))
	s.stop()
}

// checkExternalEtcd starts a second server whose datastore is the first
// server's etcd (--datastore-endpoint https://...) and reads the first
// server's objects through it.
func checkExternalEtcd(t *testing.T, first *server) {
	etcdTLS := filepath.Join(first.dir, "server", "tls", "etcd")
	dir := t.TempDir()
	second := start(t, dir, vm.MustFreeServerPorts(t),
		"--datastore-endpoint", vm.LocalURL(first.ports.EtcdClient),
		"--datastore-cafile", filepath.Join(etcdTLS, "server-ca.crt"),
		"--datastore-certfile", filepath.Join(etcdTLS, "client.crt"),
		"--datastore-keyfile", filepath.Join(etcdTLS, "client.key"))
	defer second.stop()
	if !contains(second.output(), "datastore: etcd") {
		t.Errorf("second server did not use the external etcd:\n%s", second.output())
	}
	got, err := second.client().CoreV1().ConfigMaps("default").Get(context.Background(), "in-etcd", metav1.GetOptions{})
	if err != nil || got.Data["k"] != "v" {
		t.Fatalf("the first server's configmap through the second: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "server", "db", "state.db")); err == nil {
		t.Error("the second server created a SQLite database")
	}
}
