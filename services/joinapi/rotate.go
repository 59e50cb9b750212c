package joinapi

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/token"
)

// AgentTokenPath (under Prefix, server token only) replaces the agent
// token: POST with an empty body for a random one, or with the new
// secret. The answer is the new token in K10 form. Nodes that joined keep
// working (they renew through RenewPath); joins with the old token get
// 401 from the next request on.
const AgentTokenPath = "agent-token"

// RotateAgentFunc stores a new agent token made of secret (random when
// empty) and returns it; the server gives token.RotateAgent.
type RotateAgentFunc func(ctx context.Context, secret string) (token.Token, error)

const maxSecretBytes = 256

func (h *handler) rotateAgentToken(w http.ResponseWriter, r *http.Request) {
	if h.cfg.RotateAgent == nil {
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxSecretBytes+1))
	if err != nil || len(body) > maxSecretBytes {
		http.Error(w, fmt.Sprintf("the new secret must be at most %d bytes", maxSecretBytes), http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	tok, err := h.cfg.RotateAgent(ctx, strings.TrimSpace(string(body)))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h.auth.setAgent(tok)
	h.log.Info("agent token rotated: joins with the old one are refused", "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintln(w, tok.Encode())
}

// RotateAgentToken asks the server (the client must hold the server
// token) for a new agent token of secret, random when empty.
func (c *Client) RotateAgentToken(ctx context.Context, secret string) (token.Token, error) {
	_, body, err := do(ctx, c.hc, http.MethodPost, c.base+Prefix+AgentTokenPath, []byte(secret), c.headers(nil))
	if err != nil {
		return token.Token{}, fmt.Errorf("rotate the agent token: %w", err)
	}
	tok, err := token.Parse(strings.TrimSpace(string(body)))
	if err != nil {
		return token.Token{}, fmt.Errorf("rotate the agent token: the server answered no token: %w", err)
	}
	return tok, nil
}
