package joinapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// RenewPath prefixes the routes (under Prefix) where a joined node renews
// its certificates with no join token: its node password must match the
// one stored for its name and its Node must be registered. A rotated
// agent token so leaves joined nodes working, and a deleted node cannot
// renew.
const RenewPath = "renew/"

// checkRegistered accepts a request whose node password matches the
// stored one of a registered Node; it never stores a password. It writes
// the answer when it refuses.
func (h *handler) checkRegistered(w http.ResponseWriter, r *http.Request, req nodeRequest) bool {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	hash, err := h.cfg.Passwords.Get(ctx, req.name)
	if errors.Is(err, ErrNoPassword) {
		http.Error(w, fmt.Sprintf("forbidden: node name %s is not claimed; join with the agent token", req.name), http.StatusForbidden)
		return false
	}
	if err != nil {
		h.log.Error("node password check failed", "node", req.name, "err", err)
		http.Error(w, "node password store unavailable, retry later", http.StatusServiceUnavailable)
		return false
	}
	if ok, err := VerifyPassword(hash, req.password); err != nil || !ok {
		h.log.Warn("renewal refused: node password mismatch", "node", req.name, "remote", r.RemoteAddr)
		http.Error(w, fmt.Sprintf("forbidden: node %s is registered with another node password", req.name), http.StatusForbidden)
		return false
	}
	if !h.registered(w, ctx, req.name) {
		return false
	}
	markAuthenticated(r)
	return true
}

// registered tells whether a Node named node exists.
func (h *handler) registered(w http.ResponseWriter, ctx context.Context, node string) bool {
	if h.cfg.Nodes == nil {
		return true
	}
	nodes, err := h.cfg.Nodes(ctx)
	if err != nil {
		h.log.Error("node list unavailable", "err", err)
		http.Error(w, "node list unavailable, retry later", http.StatusServiceUnavailable)
		return false
	}
	if _, ok := nodes[node]; !ok {
		h.log.Warn("renewal refused: no such Node (deleted?)", "node", node)
		http.Error(w, fmt.Sprintf("forbidden: node %s is not registered in the cluster (deleted?); join again with the agent token", node), http.StatusForbidden)
		return false
	}
	return true
}
