package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"net"
	"slices"
	"strings"
	"testing"
)

func newCSR(t *testing.T, key any, cn string, dns []string) *x509.CertificateRequest {
	t.Helper()
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject: pkix.Name{CommonName: cn, Organization: []string{"system:masters"}}, DNSNames: dns}, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func TestSignCSRTakesSubjectFromSpecOnly(t *testing.T) {
	sc := mustEnsure(t, t.TempDir(), testOpts(t0, nil))
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	csr := newCSR(t, key, "system:admin", []string{"evil.example.com"})
	spec := LeafSpec{CN: "system:node:edge-2", O: []string{"system:nodes"}, DNSNames: []string{"edge-2"},
		IPs: []net.IP{net.ParseIP("192.168.1.12")}, Usage: UsageServer}
	out, err := sc.ServerCA.SignCSR(csr, spec)
	if err != nil {
		t.Fatal(err)
	}
	chain, err := parseCerts(out)
	if err != nil || len(chain) != 2 || !chain[1].Equal(sc.ServerCA.Cert) {
		t.Fatalf("want leaf + server CA, got %d certs (%v)", len(chain), err)
	}
	leaf := chain[0]
	if leaf.Subject.CommonName != spec.CN || !slices.Equal(leaf.Subject.Organization, spec.O) ||
		!slices.Equal(leaf.DNSNames, spec.DNSNames) || !slices.Equal(ipStrings(leaf.IPAddresses), []string{"192.168.1.12"}) {
		t.Errorf("leaf subject %v SANs %v %v", leaf.Subject, leaf.DNSNames, leaf.IPAddresses)
	}
	if !keyMatches(leaf, key) {
		t.Error("leaf is not for the CSR's key")
	}
	verifyChain(t, leaf, sc.ServerCA, t0, x509.ExtKeyUsageServerAuth)
	if leaf.NotAfter != t0.Add(LeafValidity) {
		t.Errorf("NotAfter %v, want injected clock + 1 year", leaf.NotAfter)
	}
}

func TestSignCSRRefusesBadRequests(t *testing.T) {
	sc := mustEnsure(t, t.TempDir(), testOpts(t0, nil))
	good := LeafSpec{CN: "system:node:a", O: []string{"system:nodes"}, Usage: UsageClient}
	ecKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tampered := newCSR(t, ecKey, "a", nil)
	tampered.Signature = slices.Clone(tampered.Signature)
	tampered.Signature[len(tampered.Signature)-1] ^= 0xff
	weak, _ := rsa.GenerateKey(rand.Reader, 1024)
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	for name, c := range map[string]struct {
		csr  *x509.CertificateRequest
		spec LeafSpec
		want string
	}{
		"nil":        {nil, good, "no certificate request"},
		"tampered":   {tampered, good, "signature"},
		"rsa-1024":   {newCSR(t, weak, "a", nil), good, "too small"},
		"p224":       {newCSR(t, p224, "a", nil), good, "curve"},
		"empty CN":   {newCSR(t, ecKey, "a", nil), LeafSpec{Usage: UsageClient}, "common name"},
		"no usage":   {newCSR(t, ecKey, "a", nil), LeafSpec{CN: "x"}, "usage"},
		"bad IP len": {newCSR(t, ecKey, "a", nil), LeafSpec{CN: "x", Usage: UsageServer, IPs: []net.IP{{1, 2}}}, "IP"},
	} {
		t.Run(name, func(t *testing.T) {
			out, err := sc.ClientCA.SignCSR(c.csr, c.spec)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("want error containing %q, got %v", c.want, err)
			}
			if out != nil {
				t.Error("output on error")
			}
		})
	}
}

func TestLoadCA(t *testing.T) {
	sc := mustEnsure(t, t.TempDir(), testOpts(t0, nil))
	ca, err := LoadCA(sc.ClientCA.CertFile, sc.ClientCA.KeyFile)
	if err != nil || !ca.Cert.Equal(sc.ClientCA.Cert) {
		t.Fatalf("LoadCA: %v", err)
	}
	if _, err := LoadCA(sc.ClientCA.CertFile, sc.ServerCA.KeyFile); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("mismatched key: %v", err)
	}
	if _, err := LoadCA(sc.Admin.Cert, sc.Admin.Key); err == nil || !strings.Contains(err.Error(), "not a CA") {
		t.Errorf("leaf as CA: %v", err)
	}
}

func FuzzParseCerts(f *testing.F) {
	sc := mustEnsureF(f)
	for _, s := range [][]byte{sc.ServerCA.CertPEM, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), nil} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		certs, err := parseCerts(data)
		if err == nil && len(certs) == 0 {
			t.Fatal("no error and no certificate")
		}
		_, _ = parseKey(data)
	})
}

func mustEnsureF(f *testing.F) *ServerCerts {
	sc, err := EnsureServer(f.TempDir(), testOpts(t0, nil))
	if err != nil {
		f.Fatal(err)
	}
	return sc
}
