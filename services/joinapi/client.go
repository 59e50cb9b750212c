package joinapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/token"
)

const (
	maxResponseBytes = 1 << 20
	clientTimeout    = 30 * time.Second
)

// StatusError is a non-2xx answer of the join API.
type StatusError struct {
	Code    int
	Message string // the server's message, which never holds a secret
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("join API answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// FetchCA gets /cacerts from the join API at baseURL (https://host:9345)
// and returns it only when its SHA-256 is the hash tok pins and the
// server's certificate chains to it. With a bare-secret token nothing is
// pinned: FetchCA logs a warning and trusts what the server sent.
func FetchCA(ctx context.Context, baseURL string, tok token.Token) ([]byte, error) {
	base, err := checkBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	hc := &http.Client{Timeout: clientTimeout, Transport: &http.Transport{
		// The CA is what we are fetching: the response is checked
		// against the token's hash instead, then the server's chain
		// against the CA.
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12},
	}}
	defer hc.CloseIdleConnections()
	resp, body, err := do(ctx, hc, http.MethodGet, base+"/cacerts", nil, nil)
	if err != nil {
		return nil, fmt.Errorf("fetch server CA: %w", err)
	}
	if !tok.HasCA() {
		slog.Default().Warn("join token is a bare secret: the server's CA is not pinned; use the full K10 token to pin it", "url", base)
	}
	if err := tok.VerifyCA(body); err != nil {
		return nil, fmt.Errorf("fetch server CA from %s: %w", base, err)
	}
	if err := verifyPeer(resp.TLS, body); err != nil {
		return nil, fmt.Errorf("fetch server CA from %s: %w", base, err)
	}
	return body, nil
}

func verifyPeer(state *tls.ConnectionState, caPEM []byte) error {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return errors.New("the served CA holds no certificate")
	}
	if state == nil || len(state.PeerCertificates) == 0 {
		return errors.New("no server certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range state.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := state.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: pool, Intermediates: inter})
	if err != nil {
		return fmt.Errorf("server certificate is not signed by the CA it served: %w", err)
	}
	return nil
}

// Client talks to the authenticated endpoints of a join API whose CA is
// known (from FetchCA).
type Client struct {
	base       string
	user, pass string
	hc         *http.Client
}

// NewClient returns a client that trusts only caPEM and authenticates
// with tok (user "node" for a bare secret).
func NewClient(baseURL string, tok token.Token, caPEM []byte) (*Client, error) {
	base, err := checkBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("join API client: the CA PEM holds no certificate")
	}
	user := tok.User()
	if user == "" {
		user = token.UserNode
	}
	return &Client{base: base, user: user, pass: tok.Secret(), hc: &http.Client{Timeout: clientTimeout, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}}, nil
}

// NodeIdentity is who a node says it is in its certificate requests.
type NodeIdentity struct {
	Name     string
	Password string
	IPs      []net.IP // SANs of the kubelet serving certificate
}

// Get fetches an endpoint under /v1-outpost/, e.g. "client-ca.crt".
func (c *Client) Get(ctx context.Context, name string) ([]byte, error) {
	_, body, err := do(ctx, c.hc, http.MethodGet, c.base+Prefix+name, nil, c.headers(nil))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", name, err)
	}
	return body, nil
}

// PostCSR posts a PEM CSR to an endpoint under /v1-outpost/ (e.g.
// "client-kubelet.crt") and returns the PEM certificate chain.
func (c *Client) PostCSR(ctx context.Context, name string, csrPEM []byte, node *NodeIdentity) ([]byte, error) {
	_, body, err := do(ctx, c.hc, http.MethodPost, c.base+Prefix+name, csrPEM, c.headers(node))
	if err != nil {
		return nil, fmt.Errorf("post %s: %w", name, err)
	}
	return body, nil
}

// Config fetches the cluster configuration.
func (c *Client) Config(ctx context.Context) (ClusterConfig, error) {
	body, err := c.Get(ctx, "config")
	if err != nil {
		return ClusterConfig{}, err
	}
	var cc ClusterConfig
	if err := json.Unmarshal(body, &cc); err != nil {
		return ClusterConfig{}, fmt.Errorf("decode cluster config: %w", err)
	}
	return cc, nil
}

// Close drops idle connections.
func (c *Client) Close() { c.hc.CloseIdleConnections() }

func (c *Client) headers(node *NodeIdentity) http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+basicAuth(c.user, c.pass))
	if node != nil {
		h.Set(HeaderNodeName, node.Name)
		h.Set(HeaderNodePassword, node.Password)
		var ips []string
		for _, ip := range node.IPs {
			ips = append(ips, ip.String())
		}
		if len(ips) > 0 {
			h.Set(HeaderNodeIP, strings.Join(ips, ","))
		}
	}
	return h
}

func basicAuth(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func do(ctx context.Context, hc *http.Client, method, u string, body []byte, h http.Header) (*http.Response, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, nil, fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, nil, &StatusError{Code: resp.StatusCode, Message: strings.TrimSpace(string(data[:min(len(data), 512)]))}
	}
	return resp, data, nil
}

func checkBaseURL(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "", fmt.Errorf("join API URL %q must be https://host:port", short(baseURL))
	}
	return strings.TrimSuffix(u.Scheme+"://"+u.Host+u.Path, "/"), nil
}
