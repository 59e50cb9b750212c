package agent

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/token"
)

// clusterFile (in the agent's folder) keeps the cluster configuration of
// the last join, for a restart once the join token is refused.
const clusterFile = "cluster.json"

// renewCheck is how often the agent looks at its certificates' age.
const renewCheck = 10 * time.Minute

func isUnauthorized(err error) bool {
	var se *joinapi.StatusError
	return errors.As(err, &se) && se.Code == http.StatusUnauthorized
}

func saveCluster(path string, cc joinapi.ClusterConfig) error {
	data, err := json.Marshal(cc)
	if err != nil {
		return fmt.Errorf("save cluster configuration: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("save cluster configuration: %w", err)
	}
	return nil
}

func loadCluster(path string) (joinapi.ClusterConfig, error) {
	var cc joinapi.ClusterConfig
	data, err := os.ReadFile(path)
	if err != nil {
		return cc, err
	}
	if err := json.Unmarshal(data, &cc); err != nil {
		return cc, fmt.Errorf("%s: %w", path, err)
	}
	return cc, nil
}

// rejoin starts a node that joined before when the server refuses the
// join token (it was rotated): the node renews its certificates with its
// node password and keeps the cluster configuration of its last join.
func (o *Options) rejoin(ctx context.Context, c *joinapi.Client, log *slog.Logger) (*node, error) {
	cc, err := loadCluster(o.agentDir(clusterFile))
	if err != nil {
		return nil, fmt.Errorf("the server refused the join token (401) and this node has not joined before (%v): give it the cluster's current agent token", err)
	}
	n, err := o.identity(cc)
	if err != nil {
		return nil, err
	}
	if err := certifyNode(ctx, c, n.ID, n.Files, joinapi.RenewPath); err != nil {
		return nil, fmt.Errorf("the server refused the join token (rotated?) and the renewal with the node password: %w", err)
	}
	log.Warn("the server refused the join token (rotated?); renewed this node's certificates with its node password. Give the box the new token before it must join again", "node", n.Name)
	return n, writeKubeconfigs(n)
}

// keepCertsFresh renews the node's certificates at half their life
// until ctx ends: with the join token, or with the node password once
// the server refuses the token.
func (o *Options) keepCertsFresh(ctx context.Context, n *node, tok token.Token, log *slog.Logger) {
	t := time.NewTicker(renewCheck)
	defer t.Stop()
	for {
		if due, err := renewDue(n.Files.ClientCert, time.Now()); err != nil || due {
			if err := renewNode(ctx, o.Server, tok, n); err != nil {
				log.Error("cannot renew the node's certificates yet", "err", err, "retry_in", renewCheck)
			} else {
				log.Info("renewed the node's certificates", "node", n.Name)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// renewDue tells whether the certificate at path is past half its life.
func renewDue(path string, now time.Time) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	b, _ := pem.Decode(data)
	if b == nil {
		return false, fmt.Errorf("%s holds no certificate", path)
	}
	cert, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	half := cert.NotBefore.Add(cert.NotAfter.Sub(cert.NotBefore) / 2)
	return !now.Before(half), nil
}

// renewNode gets the node's certificates again through the join API,
// trusting the server CA it joined with.
func renewNode(ctx context.Context, server string, tok token.Token, n *node) error {
	caPEM, err := os.ReadFile(n.Files.ServerCA)
	if err != nil {
		return fmt.Errorf("renew: %w", err)
	}
	c, err := joinapi.NewClient(server, tok, caPEM)
	if err != nil {
		return err
	}
	defer c.Close()
	err = certifyNode(ctx, c, n.ID, n.Files, "")
	if isUnauthorized(err) {
		err = certifyNode(ctx, c, n.ID, n.Files, joinapi.RenewPath)
	}
	return err
}
