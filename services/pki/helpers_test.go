package pki

import (
	"bytes"
	"crypto/x509"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func testOpts(now time.Time, log *bytes.Buffer) ServerOptions {
	_, svc, _ := net.ParseCIDR("10.43.0.0/16")
	o := ServerOptions{
		NodeName:    "edge-1",
		NodeIPs:     []net.IP{net.ParseIP("192.168.1.10")},
		SANs:        []string{"outpost.example.com", "10.0.0.5"},
		ServiceCIDR: svc,
		AdvertiseIP: net.ParseIP("192.168.1.11"),
		Now:         clock(now),
	}
	o.Logger = slog.New(slog.DiscardHandler)
	if log != nil {
		o.Logger = slog.New(slog.NewTextHandler(log, nil))
	}
	return o
}

func mustEnsure(t *testing.T, dir string, o ServerOptions) *ServerCerts {
	t.Helper()
	sc, err := EnsureServer(dir, o)
	if err != nil {
		t.Fatalf("EnsureServer: %v", err)
	}
	return sc
}

// snapshot reads every regular file under dir.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		files[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func loadChain(t *testing.T, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := parseCerts(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return certs
}

func verifyChain(t *testing.T, leaf *x509.Certificate, ca *CA, now time.Time, usage x509.ExtKeyUsage) {
	t.Helper()
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	_, err := leaf.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		t.Errorf("%s does not verify against %s: %v", leaf.Subject.CommonName, ca.Name, err)
	}
}

func changed(before, after map[string][]byte) []string {
	var out []string
	for p, b := range after {
		if !bytes.Equal(before[p], b) {
			out = append(out, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			out = append(out, p+" (removed)")
		}
	}
	return out
}

func newTextLogger(w interface{ Write([]byte) (int, error) }) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, nil))
}
