package tunnel

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/websocket"
	"github.com/rancher/remotedialer"
)

// Default waits between connection attempts.
const (
	DefaultMinRetry = time.Second
	DefaultMaxRetry = 30 * time.Second
)

// handshakeTimeout bounds the websocket handshake.
const handshakeTimeout = 15 * time.Second

// Client is the agent's end of its tunnel.
type Client struct {
	// URL is the join API's tunnel route, wss://HOST:PORT/v1-outpost/connect.
	URL string
	// RenewURL, when set, is the route that needs only the node password
	// of a registered node; the client moves to it when URL answers 401
	// (the join token was rotated).
	RenewURL string
	// Header authenticates the agent (token, node name and password, node
	// IPs). It holds secrets: it is never logged.
	Header http.Header
	// TLS trusts the server's CA only.
	TLS *tls.Config
	// NodeIPs are the node's addresses. The server may ask the agent to
	// dial port 10250 on one of them or on loopback, nothing else.
	NodeIPs []net.IP
	// Dial dials for the server; nil means a net.Dialer. Tests point it
	// at a kubelet the server cannot reach.
	Dial DialFunc
	// MinRetry and MaxRetry bound the wait between attempts, which doubles
	// after each failure (defaults DefaultMinRetry and DefaultMaxRetry).
	MinRetry, MaxRetry time.Duration
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// HandshakeError is the join API's refusal of a tunnel.
type HandshakeError struct {
	Code    int
	Message string
}

func (e *HandshakeError) Error() string {
	return fmt.Sprintf("join API answered %d %s: %s", e.Code, http.StatusText(e.Code), e.Message)
}

// Run keeps the tunnel open until ctx ends: each time it closes or cannot
// be opened, Run waits (MinRetry, doubling up to MaxRetry; back to
// MinRetry once a tunnel was up) and connects again.
func (c *Client) Run(ctx context.Context) {
	log := c.Logger
	if log == nil {
		log = slog.Default()
	}
	minWait, maxWait := c.MinRetry, c.MaxRetry
	if minWait <= 0 {
		minWait = DefaultMinRetry
	}
	if maxWait < minWait {
		maxWait = max(DefaultMaxRetry, minWait)
	}
	wait := minWait
	lastErr := ""
	for {
		up, err := c.connect(ctx, log)
		if ctx.Err() != nil {
			return
		}
		if c.renew(err) {
			log.Warn("agent tunnel: the join token was refused (rotated?); connecting with the node password", "url", c.RenewURL)
			c.URL = c.RenewURL
			continue
		}
		if up {
			wait, lastErr = minWait, ""
		}
		msg := fmt.Sprint(err)
		switch {
		case up:
			log.Warn("agent tunnel to the server lost; reconnecting", "url", c.URL, "in", wait, "err", err)
		case msg != lastErr:
			log.Warn("agent tunnel cannot connect yet; retrying", "url", c.URL, "in", wait, "err", err)
		default:
			log.Debug("agent tunnel cannot connect yet; retrying", "url", c.URL, "in", wait, "err", err)
		}
		lastErr = msg
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, maxWait)
	}
}

// renew tells whether err calls for RenewURL.
func (c *Client) renew(err error) bool {
	var he *HandshakeError
	return errors.As(err, &he) && he.Code == http.StatusUnauthorized && c.RenewURL != "" && c.URL != c.RenewURL
}

// connect opens one tunnel and serves it until it closes. up tells
// whether it was established.
func (c *Client) connect(ctx context.Context, log *slog.Logger) (up bool, err error) {
	d := &websocket.Dialer{TLSClientConfig: c.TLS, HandshakeTimeout: handshakeTimeout}
	ws, resp, err := d.DialContext(ctx, c.URL, c.Header)
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
			resp.Body.Close()
			return false, &HandshakeError{Code: resp.StatusCode, Message: strings.TrimSpace(string(body))}
		}
		return false, err
	}
	defer ws.Close()
	dial := c.Dial
	if dial == nil {
		d := &net.Dialer{}
		dial = d.DialContext
	}
	session := remotedialer.NewClientSessionWithDialer(func(proto, address string) bool {
		ok := c.Allowed(proto, address)
		if !ok {
			log.Warn("agent tunnel: the server asked for a connection this node does not allow", "proto", proto, "addr", address)
		}
		return ok
	}, ws, remotedialer.Dialer(dial))
	defer session.Close()
	log.Info("agent tunnel connected", "url", c.URL)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := session.Serve(sctx)
		done <- err
	}()
	select {
	case <-ctx.Done():
		ws.Close()
		<-done
		return true, ctx.Err()
	case err := <-done:
		if err == nil {
			err = errors.New("closed")
		}
		return true, err
	}
}

// Allowed tells whether the server may have this node dial address: TCP
// to port 10250 on loopback or on one of NodeIPs.
func (c *Client) Allowed(proto, address string) bool {
	ip := kubeletIP(address)
	return proto == "tcp" && ip != nil && (ownLoopback(ip) || slices.ContainsFunc(c.NodeIPs, ip.Equal))
}
