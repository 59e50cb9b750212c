package controlplane

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

// readinessClient is an HTTPS client that trusts the server CA and presents
// the readiness client certificate.
func readinessClient(c Certs) (*http.Client, error) {
	caPEM, err := os.ReadFile(c.ServerCA)
	if err != nil {
		return nil, fmt.Errorf("read server CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("server CA %s holds no certificate", c.ServerCA)
	}
	pair, err := tls.LoadX509KeyPair(c.Readiness, c.ReadinessKey)
	if err != nil {
		return nil, fmt.Errorf("load readiness client certificate: %w", err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
	}}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}, nil
}

// waitReady polls url+"/readyz" until it answers 200, ended is closed (the
// server stopped), or ctx ends. It returns the last answer in the error.
func waitReady(ctx context.Context, client *http.Client, url string, ended <-chan struct{}) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := "no answer yet"
	for {
		ok, answer := probe(ctx, client, url+"/readyz")
		if ok {
			return nil
		}
		last = answer
		select {
		case <-ended:
			return fmt.Errorf("kube-apiserver stopped before it was ready (last answer: %s)", last)
		case <-ctx.Done():
			return fmt.Errorf("kube-apiserver not ready (%s): %w", last, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

func probe(ctx context.Context, client *http.Client, url string) (bool, string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false, err.Error()
	}
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode == http.StatusOK, fmt.Sprintf("%s: %s", resp.Status, body)
}
