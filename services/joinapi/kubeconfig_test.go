package joinapi

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"os"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/outpost-os/outpost/services/token"
)

func TestAdminKubeconfigContent(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, e.server)
	data, err := c.AdminKubeconfig(ctx(t), "")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		t.Fatal(err)
	}
	cur := cfg.Contexts[cfg.CurrentContext]
	cluster, user := cfg.Clusters[cur.Cluster], cfg.AuthInfos[cur.AuthInfo]
	if cluster.Server != e.apiURL {
		t.Errorf("server %q, want the configured %q", cluster.Server, e.apiURL)
	}
	if !bytes.Equal(cluster.CertificateAuthorityData, e.certs.ServerCA.CertPEM) {
		t.Error("CA is not server-ca.crt")
	}
	cert, _ := os.ReadFile(e.certs.Admin.Cert)
	key, _ := os.ReadFile(e.certs.Admin.Key)
	if !bytes.Equal(user.ClientCertificateData, cert) || !bytes.Equal(user.ClientKeyData, key) {
		t.Error("client certificate or key is not the admin pair")
	}
	if leaf := parseChain(t, user.ClientCertificateData)[0]; leaf.Subject.CommonName != "system:admin" || leaf.Subject.Organization[0] != "system:masters" {
		t.Errorf("admin certificate subject %v", leaf.Subject)
	}

	fwd := "https://127.0.0.1:16443"
	data, err = c.AdminKubeconfig(ctx(t), fwd)
	if err != nil {
		t.Fatal(err)
	}
	if cfg, err = clientcmd.Load(data); err != nil || cfg.Clusters[cfg.Contexts[cfg.CurrentContext].Cluster].Server != fwd {
		t.Errorf("asked-for server not used: %v", err)
	}

	for _, bad := range []string{"http://127.0.0.1:6443", "https://", "https://u:p@h:6443", "https://h:6443/?a=b", "not a url"} {
		_, err := c.Get(ctx(t), KubeconfigPath+"?"+url.Values{KubeconfigServerParam: {bad}}.Encode())
		var se *StatusError
		if !errors.As(err, &se) || se.Code != http.StatusBadRequest {
			t.Errorf("server=%q: got %v, want 400", bad, err)
		}
	}
}

func TestAdminKubeconfigClientErrors(t *testing.T) {
	e := newEnv(t)
	_, err := e.client(t, e.agent).AdminKubeconfig(ctx(t), "")
	var se *StatusError
	if !errors.As(err, &se) || se.Code != http.StatusForbidden {
		t.Errorf("agent token: %v, want 403", err)
	}
	wrong, _ := token.New(token.UserServer, "wrong-secret", e.certs.ServerCA.CertPEM)
	c, err := NewClient(e.srv.URL, wrong, e.certs.ServerCA.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err = c.AdminKubeconfig(ctx(t), ""); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Errorf("wrong token: %v, want 401", err)
	}
}
