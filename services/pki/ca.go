package pki

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"

	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// CA is a certificate authority loaded from its two files.
type CA struct {
	// Name is the file stem, e.g. "client-ca" or "etcd/server-ca".
	Name     string
	CertFile string // absolute path of <name>.crt
	KeyFile  string // absolute path of <name>.key
	// CertPEM is the exact content of CertFile; what /cacerts serves and
	// what a token's K10 hash is computed over.
	CertPEM []byte
	Cert    *x509.Certificate
	Key     crypto.Signer

	now func() time.Time
}

const caValidityYears = 10

// LoadCA reads a CA from its certificate and key files. It checks that the
// certificate is a CA and that the key belongs to it.
func LoadCA(certFile, keyFile string) (*CA, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read CA certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read CA key: %w", err)
	}
	return parseCA(certFile, keyFile, certPEM, keyPEM)
}

func parseCA(certFile, keyFile string, certPEM, keyPEM []byte) (*CA, error) {
	certs, err := parseCerts(certPEM)
	if err != nil {
		return nil, fmt.Errorf("parse CA certificate %s: %w", certFile, err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("parse CA key %s: %w", keyFile, err)
	}
	cert := certs[0]
	if !cert.IsCA {
		return nil, fmt.Errorf("CA certificate %s is not a CA (basic constraints CA:FALSE)", certFile)
	}
	if !keyMatches(cert, key) {
		return nil, fmt.Errorf("CA key %s does not belong to certificate %s", keyFile, certFile)
	}
	return &CA{CertFile: certFile, KeyFile: keyFile, CertPEM: certPEM, Cert: cert, Key: key, now: time.Now}, nil
}

// ensureCA loads the CA <dir>/<name>.{crt,key}, or creates it when neither
// file exists. Anything else (one file missing, a file corrupt, key and
// certificate not matching) is an error, and nothing is written: every
// certificate and token of the cluster hangs off these files.
func ensureCA(dir, name string, now func() time.Time) (ca *CA, created bool, err error) {
	certFile := filepath.Join(dir, name+".crt")
	keyFile := filepath.Join(dir, name+".key")
	if err := recoverPair(certFile, keyFile); err != nil {
		return nil, false, err
	}
	certPEM, err := readOptional(certFile)
	if err != nil {
		return nil, false, err
	}
	keyPEM, err := readOptional(keyFile)
	if err != nil {
		return nil, false, err
	}
	switch {
	case certPEM == nil && keyPEM == nil:
		ca, err = createCA(name, certFile, keyFile, now)
		return ca, err == nil, err
	case certPEM == nil:
		return nil, false, fmt.Errorf("CA %s: found key %s but no certificate %s; restore the certificate from a backup (a new CA would lock out every node)", name, keyFile, certFile)
	case keyPEM == nil:
		return nil, false, fmt.Errorf("CA %s: found certificate %s but no key %s; restore the key from a backup (a new CA would lock out every node)", name, certFile, keyFile)
	}
	ca, err = parseCA(certFile, keyFile, certPEM, keyPEM)
	if err != nil {
		return nil, false, fmt.Errorf("CA %s: %w; CAs are never regenerated automatically: restore the files from a backup", name, err)
	}
	ca.Name, ca.now = name, now
	return ca, false, nil
}

func createCA(name, certFile, keyFile string, now func() time.Time) (*CA, error) {
	key, err := newECKey()
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	t := now()
	tmpl := &x509.Certificate{
		SerialNumber:          nil,
		Subject:               pkix.Name{CommonName: fmt.Sprintf("outpost-%s@%d", strings.ReplaceAll(name, "/", "-"), t.Unix())},
		NotBefore:             t.Add(-time.Minute),
		NotAfter:              t.AddDate(caValidityYears, 0, 0),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	if tmpl.SubjectKeyId, err = keyID(key.Public()); err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	der, err := x509.CreateCertificate(nil, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	keyPEM, err := encodeKey(key)
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	certPEM := encodeCert(der)
	if err := writePair(certFile, keyFile, certPEM, keyPEM); err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	ca, err := parseCA(certFile, keyFile, certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("create CA %s: %w", name, err)
	}
	ca.Name, ca.now = name, now
	return ca, nil
}

// keyID is the SHA-1 of the public key's DER, as RFC 5280 4.2.1.2 (1)
// suggests; it is an identifier, not a security measure.
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("marshal public key: %w", err)
	}
	sum := sha1.Sum(der)
	return sum[:], nil
}
