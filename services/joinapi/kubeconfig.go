package joinapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/paths"
)

// KubeconfigPath is the endpoint (under Prefix) that serves an admin
// kubeconfig to the holder of the server token.
const KubeconfigPath = "admin.kubeconfig"

// KubeconfigServerParam is the query parameter that names the apiserver
// URL the kubeconfig should point at, for a client that reaches the server
// another way (a port forward) than its advertise address.
const KubeconfigServerParam = "server"

// adminKubeconfig serves a kubeconfig with the server CA and the admin
// client certificate and key (system:admin, O system:masters) embedded.
// It is the same credential as the server's own admin kubeconfig: the
// server token already gives full control of the cluster (k3s hands the
// holder the admin credentials, and even the CA keys), and serving the
// existing pair instead of signing a new one per call leaves no trail of
// unrevocable year-long certificates.
func (h *handler) adminKubeconfig(w http.ResponseWriter, r *http.Request) {
	server, err := h.kubeconfigServer(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	a := h.cfg.Certs.Admin
	data, err := kubeconfig.Render(kubeconfig.Config{
		Server: server, CAFile: h.cfg.Certs.ServerCA.CertFile,
		CertFile: a.Cert, KeyFile: a.Key, User: "admin", Embed: true,
	})
	if err != nil {
		h.log.Error("render admin kubeconfig", "err", err)
		http.Error(w, "admin kubeconfig unavailable", http.StatusInternalServerError)
		return
	}
	h.log.Info("served the admin kubeconfig", "server", server, "remote", r.RemoteAddr)
	w.Header().Set("Content-Type", "application/yaml")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

// kubeconfigServer is the apiserver URL asked for in the query, or the
// configured one.
func (h *handler) kubeconfigServer(r *http.Request) (string, error) {
	s := r.URL.Query().Get(KubeconfigServerParam)
	if s == "" {
		if h.cfg.APIServerURL == "" {
			return "", errors.New("no apiserver URL is configured: ask for one with ?server=https://HOST:PORT")
		}
		return h.cfg.APIServerURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return "", fmt.Errorf("%s=%q is not an apiserver URL such as https://127.0.0.1:%d", KubeconfigServerParam, short(s), paths.APIServerPort)
	}
	return s, nil
}

// AdminKubeconfig fetches an admin kubeconfig; the client must hold the
// server token (user "server"), else the join API answers 403 (agent
// token) or 401 (no or wrong token), as a *StatusError. apiServer, when
// not empty, is the apiserver URL to write into it (e.g. a port forward
// on 127.0.0.1); otherwise the server's advertise address is used.
func (c *Client) AdminKubeconfig(ctx context.Context, apiServer string) ([]byte, error) {
	name := KubeconfigPath
	if apiServer != "" {
		name += "?" + url.Values{KubeconfigServerParam: {apiServer}}.Encode()
	}
	return c.Get(ctx, name)
}
