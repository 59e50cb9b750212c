package joinapi

import (
	"crypto/tls"
	"net/http"
	"strings"
)

// ConnectPath is the route, under Prefix, of the agents' tunnels.
const ConnectPath = "connect"

// TunnelServer takes an agent's tunnel once the join API has checked the
// agent's token and node password (services/tunnel.Server).
type TunnelServer interface {
	// ServeAgent upgrades r to the tunnel of node; it returns when the
	// tunnel closes. The tunnel carries connections to node's registered
	// addresses only, never to what the agent claims.
	ServeAgent(w http.ResponseWriter, r *http.Request, node string)
}

// connect hands an agent's websocket to the tunnel server once the node
// password checks out, as for its certificates.
func (h *handler) connect(check func(http.ResponseWriter, *http.Request, nodeRequest) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if h.cfg.Tunnel == nil {
			http.Error(w, "this server keeps no agent tunnels", http.StatusNotFound)
			return
		}
		name, password, err := nodeHeaders(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := nodeRequest{name: name, password: password}
		if !h.checkClaims(w, r, req, false) || !check(w, r, req) {
			return
		}
		h.cfg.Tunnel.ServeAgent(w, r, name)
	}
}

// TunnelEndpoint is where and how an agent opens its tunnel.
type TunnelEndpoint struct {
	URL      string      // wss://HOST:PORT/v1-outpost/connect
	RenewURL string      // the same with the node password alone (RenewPath)
	Header   http.Header // token, node name, password and IPs: secret
	TLS      *tls.Config // trusts the server CA only
}

// TunnelEndpoint returns the tunnel route of this join API with the
// credentials of node.
func (c *Client) TunnelEndpoint(node *NodeIdentity) TunnelEndpoint {
	var cfg *tls.Config
	if t, ok := c.hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	}
	base := "wss://" + strings.TrimPrefix(c.base, "https://") + Prefix
	return TunnelEndpoint{URL: base + ConnectPath, RenewURL: base + RenewPath + ConnectPath, Header: c.headers(node), TLS: cfg}
}
