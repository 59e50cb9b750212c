package agent

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/joinapi/joinapitest"
	"github.com/outpost-os/outpost/services/tunnel"
)

func TestAgentKeepsTunnel(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	tun := tunnel.NewServer(tunnel.ServerConfig{LocalNode: "server-1", Logger: quiet})
	t.Cleanup(tun.Close)
	js := joinapitest.Start(t, func(c *joinapi.Config) { c.Tunnel = tun })
	o := testOptions(t, js, "edge-t")
	tok, _ := o.token()
	n, err := joinOnce(context.Background(), o, tok, quiet)
	if err != nil {
		t.Fatal(err)
	}
	c, err := o.tunnelClient(n, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.NodeIPs) != 1 || !c.NodeIPs[0].Equal(n.IP) || !c.Allowed("tcp", "192.0.2.20:10250") || c.Allowed("tcp", "192.0.2.20:22") {
		t.Errorf("node IPs %v", c.NodeIPs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { o.runTunnel(ctx, n, quiet); close(done) }()
	defer func() { cancel(); <-done }()
	for end := time.Now().Add(10 * time.Second); !tun.Connected("edge-t"); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatal("the agent's tunnel did not connect")
		}
	}
}
