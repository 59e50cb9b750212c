package joinapi

import (
	"crypto/tls"
	"net"
	"net/http"
	"strings"
)

// ConnectPath is the route, under Prefix, of the agents' tunnels.
const ConnectPath = "connect"

// TunnelServer takes an agent's tunnel once the join API has checked the
// agent's token and node password (services/tunnel.Server).
type TunnelServer interface {
	// ServeAgent upgrades r to the tunnel of node, which reported ips; it
	// returns when the tunnel closes.
	ServeAgent(w http.ResponseWriter, r *http.Request, node string, ips []net.IP)
}

// connect hands an agent's websocket to the tunnel server once the node
// password checks out, as for its certificates. The node must name at
// least one address: the tunnel carries connections to those only.
func (h *handler) connect(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Tunnel == nil {
		http.Error(w, "this server keeps no agent tunnels", http.StatusNotFound)
		return
	}
	name, password, err := nodeHeaders(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ips, err := nodeIPs(r.Header.Get(HeaderNodeIP), nil)
	if err == nil && len(ips) == 0 {
		http.Error(w, "header "+HeaderNodeIP+" must list the node's addresses", http.StatusBadRequest)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if !h.checkPassword(w, r, nodeRequest{name: name, password: password}) {
		return
	}
	h.cfg.Tunnel.ServeAgent(w, r, name, ips)
}

// TunnelEndpoint is where and how an agent opens its tunnel.
type TunnelEndpoint struct {
	URL    string      // wss://HOST:PORT/v1-outpost/connect
	Header http.Header // token, node name, password and IPs: secret
	TLS    *tls.Config // trusts the server CA only
}

// TunnelEndpoint returns the tunnel route of this join API with the
// credentials of node.
func (c *Client) TunnelEndpoint(node *NodeIdentity) TunnelEndpoint {
	var cfg *tls.Config
	if t, ok := c.hc.Transport.(*http.Transport); ok && t.TLSClientConfig != nil {
		cfg = t.TLSClientConfig.Clone()
	}
	return TunnelEndpoint{URL: "wss://" + strings.TrimPrefix(c.base, "https://") + Prefix + ConnectPath, Header: c.headers(node), TLS: cfg}
}
