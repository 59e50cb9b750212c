package metadata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

const configBody = "role: agent\nhostname: from-url\n"

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func configServer(t *testing.T, tls bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/down" {
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
			return
		}
		w.Write([]byte(configBody))
	})
	var srv *httptest.Server
	if tls {
		srv = httptest.NewTLSServer(h)
	} else {
		srv = httptest.NewServer(h)
	}
	t.Cleanup(srv.Close)
	return srv
}

func fetchConfigURL(t *testing.T, client *http.Client, cmdline string) (string, error) {
	path := filepath.Join(t.TempDir(), "cmdline")
	writeFile(t, path, []byte(cmdline+"\n"))
	l, err := (&ConfigURLSource{Cmdline: path, HTTP: client}).Fetch(context.Background())
	if err != nil {
		return "", err
	}
	return l.Config.Hostname, nil
}

func TestConfigURLPlainHTTPNeedsPinOrOptOut(t *testing.T) {
	plain := configServer(t, false)
	u := "outpost.config_url=" + plain.URL + "/c"
	if _, err := fetchConfigURL(t, plain.Client(), u); err == nil || !strings.Contains(err.Error(), "outpost.config_sha256=") {
		t.Errorf("plain http with no pin: %v, want a refusal naming outpost.config_sha256=", err)
	}
	for _, ok := range []string{u + " outpost.config_sha256=" + sha256Hex(configBody), u + " outpost.config_insecure=true"} {
		if h, err := fetchConfigURL(t, plain.Client(), ok); err != nil || h != "from-url" {
			t.Errorf("%s: %q %v", ok, h, err)
		}
	}
	_, err := fetchConfigURL(t, plain.Client(), u+" outpost.config_sha256="+sha256Hex("other"))
	if err == nil || !strings.Contains(err.Error(), sha256Hex(configBody)) {
		t.Errorf("wrong pin: %v, want an error naming the file's real hash", err)
	}
	if _, err := fetchConfigURL(t, plain.Client(), u+" outpost.config_sha256=abc"); err == nil || !strings.Contains(err.Error(), "64 hex digits") {
		t.Errorf("short pin: %v", err)
	}
}

func TestConfigURLHTTPSMayNotRedirectToHTTP(t *testing.T) {
	secure := configServer(t, true)
	plain := configServer(t, false)
	if h, err := fetchConfigURL(t, secure.Client(), "outpost.config_url="+secure.URL+"/c"); err != nil || h != "from-url" {
		t.Fatalf("https: %q %v", h, err)
	}
	down := "outpost.config_url=" + secure.URL + "/down?to=" + plain.URL + "/c"
	if _, err := fetchConfigURL(t, secure.Client(), down); err == nil || !strings.Contains(err.Error(), "plain http refused") {
		t.Errorf("https redirected to http: %v, want refused", err)
	}
	if _, err := fetchConfigURL(t, secure.Client(), down+" outpost.config_sha256="+sha256Hex(configBody)); err != nil {
		t.Errorf("pinned redirect: %v", err)
	}
}
