package joinapi

import (
	"crypto/subtle"
	"net/http"
	"sync/atomic"

	"github.com/outpost-os/outpost/services/token"
)

// role is what a caller may do: roleNode reaches the agent endpoints,
// roleServer everything.
type role int

const (
	roleNone role = iota
	roleNode
	roleServer
)

// authenticator checks basic-auth credentials against the two tokens;
// the agent token can be replaced while it serves (outpost token rotate).
type authenticator struct {
	server []byte
	agent  atomic.Pointer[[]byte]
}

func newAuthenticator(server, agent token.Token) *authenticator {
	a := &authenticator{server: []byte(server.Secret())}
	a.setAgent(agent)
	return a
}

// setAgent makes t the agent token from the next request on.
func (a *authenticator) setAgent(t token.Token) {
	secret := []byte(t.Secret())
	a.agent.Store(&secret)
}

// role returns the caller's role. Every comparison is done whatever the
// user, in constant time, so timing tells nothing about the secrets.
func (a *authenticator) role(r *http.Request) role {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return roleNone
	}
	p := []byte(pass)
	agent := *a.agent.Load()
	isServer := subtle.ConstantTimeCompare(p, a.server) == 1 && len(a.server) > 0
	isAgent := subtle.ConstantTimeCompare(p, agent) == 1 && len(agent) > 0
	switch {
	case user == token.UserServer && isServer:
		return roleServer
	case user == token.UserNode && (isAgent || isServer):
		// An agent may join with the server token too, as with k3s.
		return roleNode
	}
	return roleNone
}

// require wraps h so that only callers with at least role min reach it.
func (a *authenticator) require(min role, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		got := a.role(r)
		if got == roleNone {
			w.Header().Set("WWW-Authenticate", `Basic realm="outpost"`)
			http.Error(w, "unauthorized: send the join token as basic auth (user server or node)", http.StatusUnauthorized)
			return
		}
		markAuthenticated(r)
		if got < min {
			http.Error(w, "forbidden: this endpoint needs the server token", http.StatusForbidden)
			return
		}
		h(w, r)
	}
}
