//go:build !initramfs

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
	"github.com/outpost-os/outpost/services/token"
	"k8s.io/client-go/tools/clientcmd"
)

func TestImageRunAccessArgs(t *testing.T) {
	b, err := board.Lookup("qemu-x86_64")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	stale := filepath.Join(dir, kubeconfigFile)
	if err := os.WriteFile(stale, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := qemu.FromDir(qemu.Options{Board: b, Cmdline: []string{"outpost.console=on"}}, dir)
	o.Forwards = []qemu.Forward{{Host: 2222, Guest: 22}}
	a, err := prepareAccess(dir, &o)
	if err != nil {
		t.Fatal(err)
	}
	args := qemu.Args(o)
	all := strings.Join(args, " ")

	secret := a.tok.Secret()
	if len(secret) < 32 || strings.Contains(all, secret) || strings.Contains(qemu.Cmdline(o), secret) {
		t.Fatalf("the token secret is in QEMU's argv or the kernel command line (or too short): %q", all)
	}
	seeded, err := os.ReadFile(filepath.Join(dir, accessConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if info, _ := os.Stat(filepath.Join(dir, accessConfigFile)); info.Mode().Perm() != 0o600 {
		t.Errorf("seeded config has mode %v, want 0600", info.Mode().Perm())
	}
	if !bytes.Contains(seeded, []byte("role: server\n")) || !bytes.Contains(seeded, []byte("token: "+secret+"\n")) {
		t.Errorf("seeded config lacks the role or the token:\n%s", seeded)
	}
	if want := "-fw_cfg name=opt/outpost/config,file=" + filepath.Join(dir, accessConfigFile); !strings.Contains(all, want) {
		t.Errorf("no %q in %q", want, all)
	}

	var netdev string
	for i, arg := range args {
		if arg == "-netdev" {
			netdev = args[i+1]
		}
	}
	if !strings.Contains(netdev, ",restrict=on") {
		t.Errorf("netdev without restrict=on: %s", netdev)
	}
	fwds := regexp.MustCompile(`hostfwd=tcp:([^:]*):(\d+)-:(\d+)`).FindAllStringSubmatch(netdev, -1)
	guests := map[string]string{}
	for _, f := range fwds {
		if f[1] != "127.0.0.1" {
			t.Errorf("forward bound to %q, not 127.0.0.1: %s", f[1], f[0])
		}
		guests[f[3]] = f[2]
	}
	if len(fwds) != 3 || guests["22"] != "2222" || guests["6443"] != fmt.Sprint(a.api) || guests["9345"] != fmt.Sprint(a.join) || a.api == a.join {
		t.Errorf("forwards %v, api %d join %d", fwds, a.api, a.join)
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a kubeconfig of an earlier run was kept")
	}

	// A second run keeps the token and reuses a forward the user gave.
	o = qemu.FromDir(qemu.Options{Board: b}, dir)
	o.Forwards = []qemu.Forward{{Host: 16443, Guest: 6443}}
	again, err := prepareAccess(dir, &o)
	if err != nil {
		t.Fatal(err)
	}
	if again.tok.Secret() != secret || again.api != 16443 || len(o.Forwards) != 2 {
		t.Errorf("second run: token kept %v, api %d, forwards %v", again.tok.Secret() == secret, again.api, o.Forwards)
	}

	o = qemu.FromDir(qemu.Options{Board: b, Cmdline: []string{"outpost.console=on outpost.role=agent"}}, dir)
	if agent, err := prepareAccess(dir, &o); agent != nil || err != nil || len(o.Forwards) != 0 || len(o.Extra) != 0 {
		t.Errorf("an agent VM got cluster access: %v %v %v", err, o.Forwards, o.Extra)
	}
}

func TestImageRunAccessFetchesKubeconfig(t *testing.T) {
	js := joinapitest.Start(t)
	bare, err := token.New(token.UserServer, js.ServerToken.Secret(), nil) // what the VM was given
	if err != nil {
		t.Fatal(err)
	}
	var join int
	fmt.Sscanf(js.URL, "https://127.0.0.1:%d", &join)
	dir := t.TempDir()
	a := &clusterAccess{dir: dir, tok: bare, kubeconfig: filepath.Join(dir, kubeconfigFile), shown: "DIR/kubeconfig", api: 16443, join: join, pollInterval: 10 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out bytes.Buffer
	a.run(ctx, &out)
	if !strings.Contains(out.String(), "kubectl --kubeconfig DIR/kubeconfig get nodes") {
		t.Errorf("no kubectl hint: %q", out.String())
	}
	info, err := os.Stat(a.kubeconfig)
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("kubeconfig: %v", err)
	}
	cfg, err := clientcmd.LoadFromFile(a.kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	if s := cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster].Server; s != "https://127.0.0.1:16443" {
		t.Errorf("kubeconfig server %q, want the forwarded apiserver", s)
	}
}

func TestImageRunAccessShowsRefusalOnce(t *testing.T) {
	js := joinapitest.Start(t)
	wrong, err := token.New(token.UserServer, "not-the-seeded-secret", nil)
	if err != nil {
		t.Fatal(err)
	}
	var join int
	fmt.Sscanf(js.URL, "https://127.0.0.1:%d", &join)
	dir := t.TempDir()
	a := &clusterAccess{dir: dir, tok: wrong, kubeconfig: filepath.Join(dir, kubeconfigFile), api: 16443, join: join, pollInterval: 20 * time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var out bytes.Buffer
	a.run(ctx, &out)
	if n := strings.Count(out.String(), "no kubeconfig yet: the server refused the token (401)"); n != 1 {
		t.Errorf("refusal shown %d times, want once:\n%s", n, out.String())
	}
	if _, err := os.Stat(a.kubeconfig); err == nil {
		t.Error("a kubeconfig was written although the server refused the token")
	}
}
