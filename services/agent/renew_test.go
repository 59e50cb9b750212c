package agent

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
)

// rotate replaces the test server's agent token with the server token.
func rotate(t *testing.T, js *joinapitest.Server) {
	t.Helper()
	ca, err := joinapi.FetchCA(context.Background(), js.URL, js.ServerToken)
	if err != nil {
		t.Fatal(err)
	}
	c, err := joinapi.NewClient(js.URL, js.ServerToken, ca)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.RotateAgentToken(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
}

func TestRestartAfterTokenRotation(t *testing.T) {
	js := joinapitest.Start(t)
	quiet := slog.New(slog.DiscardHandler)
	o := testOptions(t, js, "edge-7")
	tok, _ := o.token()
	n, err := joinOnce(context.Background(), o, tok, quiet)
	if err != nil {
		t.Fatal(err)
	}
	before := readCert(t, n.Files.ClientCert)
	rotate(t, js)

	// A restart with the old token: renewed with the node password.
	n, err = joinOnce(context.Background(), o, tok, quiet)
	if err != nil {
		t.Fatalf("restart of a joined node after rotation: %v", err)
	}
	after := readCert(t, n.Files.ClientCert)
	if after.SerialNumber.Cmp(before.SerialNumber) == 0 {
		t.Error("the client certificate was not renewed")
	}
	if n.Cluster.ClusterDNS != "10.43.0.10" || n.APIServer != "https://127.0.0.1:6443" {
		t.Errorf("cluster configuration of the last join not kept: %+v", n)
	}
	// So does the periodic renewal.
	if err := renewNode(context.Background(), o.Server, tok, n); err != nil {
		t.Errorf("periodic renewal after rotation: %v", err)
	}

	// A box that never joined gets no way in with the old token.
	fresh := testOptions(t, js, "edge-8")
	if _, err := joinOnce(context.Background(), fresh, tok, quiet); err == nil || !strings.Contains(err.Error(), "has not joined before") {
		t.Errorf("a new box with the old token: %v", err)
	}
}

func TestRenewDueAtHalfLife(t *testing.T) {
	js := joinapitest.Start(t)
	o := testOptions(t, js, "edge-9")
	tok, _ := o.token()
	n, err := joinOnce(context.Background(), o, tok, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	cert := readCert(t, n.Files.ClientCert)
	if life := cert.NotAfter.Sub(cert.NotBefore); life > joinapi.NodeCertValidity+time.Minute {
		t.Fatalf("client certificate valid for %s", life)
	}
	if due, err := renewDue(n.Files.ClientCert, time.Now()); err != nil || due {
		t.Errorf("a fresh certificate is due: %v %v", due, err)
	}
	if due, err := renewDue(n.Files.ClientCert, time.Now().Add(joinapi.NodeCertValidity*2/3)); err != nil || !due {
		t.Errorf("a certificate at two thirds of its life is not due: %v %v", due, err)
	}
	if _, err := os.Stat(o.agentDir(clusterFile)); err != nil {
		t.Errorf("no cluster configuration kept: %v", err)
	}
}
