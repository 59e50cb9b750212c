package joinapi

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzNodeCertRequest drives the certificate endpoints with arbitrary node
// headers and bodies: the answer is always 200, 400, 403 or 429 (too many
// new names claimed, with a wait), and a 200 carries a certificate for
// exactly the claimed node.
func FuzzNodeCertRequest(f *testing.F) {
	e := newEnv(f)
	csr, _ := newCSRPEM(f, nil)
	f.Add("edge-1", "pw", "192.168.1.2", csr, true)
	f.Add("edge-1", "other", "", csr, false)
	f.Add("kubernetes", "pw", "", csr, true)
	f.Add("", "", "", []byte{}, false)
	f.Add("a", "p", "::1,0.0.0.0", []byte("-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"), true)
	f.Add("n.x", "p\x00", "1.1.1.1,,", csr[:len(csr)/2], false)
	f.Fuzz(func(t *testing.T, name, password, ipHeader string, body []byte, serving bool) {
		ep := "client-kubelet.crt"
		if serving {
			ep = "serving-kubelet.crt"
		}
		req := httptest.NewRequest("POST", Prefix+ep, bytes.NewReader(body))
		req.SetBasicAuth("node", e.agent.Secret())
		for k, v := range map[string]string{HeaderNodeName: name, HeaderNodePassword: password, HeaderNodeIP: ipHeader} {
			if v != "" {
				req.Header[k] = []string{v}
			}
		}
		rec := httptest.NewRecorder()
		e.handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusBadRequest, http.StatusForbidden:
			if len(password) >= 8 && strings.Contains(rec.Body.String(), password) {
				t.Fatalf("answer quotes the node password: %s", rec.Body.String())
			}
		case http.StatusTooManyRequests: // the claim limit: many new names
			if rec.Header().Get("Retry-After") == "" || strings.Contains(rec.Body.String(), "retry in 0s") {
				t.Fatalf("429 without a wait: %q, Retry-After %q", rec.Body.String(), rec.Header().Get("Retry-After"))
			}
		case http.StatusOK:
			block, _ := pem.Decode(rec.Body.Bytes())
			if block == nil {
				t.Fatal("200 without a certificate")
			}
			leaf, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				t.Fatal(err)
			}
			if leaf.Subject.CommonName != "system:node:"+name {
				t.Fatalf("signed %q for node %q", leaf.Subject.CommonName, name)
			}
			if serving && (len(leaf.DNSNames) != 1 || leaf.DNSNames[0] != name) {
				t.Fatalf("serving SANs %v for node %q", leaf.DNSNames, name)
			}
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	})
}

// FuzzVerifyPassword feeds stored hashes (Secret data) of any shape.
func FuzzVerifyPassword(f *testing.F) {
	h, _ := HashPassword("pw")
	for _, s := range []string{h, "", "sha256$$", "sha256$zz$00", "bcrypt$x$y", strings.Repeat("$", 10)} {
		f.Add(s, "pw")
	}
	f.Fuzz(func(t *testing.T, hash, pw string) {
		ok, err := VerifyPassword(hash, pw)
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
	})
}
