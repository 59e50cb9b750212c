package pki

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
)

// NodeKey returns the PEM private key at path, making a new ECDSA P-256 key
// (written 0600) when the file is missing, so a node keeps its keys across
// certificate renewals.
func NodeKey(path string) ([]byte, error) {
	data, err := readOptional(path)
	if err != nil {
		return nil, err
	}
	if data != nil {
		if _, err := parseKey(data); err != nil {
			return nil, fmt.Errorf("key %s: %w (remove it to make a new one)", path, err)
		}
		return data, nil
	}
	key, err := newECKey()
	if err != nil {
		return nil, err
	}
	if data, err = encodeKey(key); err != nil {
		return nil, err
	}
	if err := WriteFileAtomic(path, data, 0o600); err != nil {
		return nil, fmt.Errorf("key %s: %w", path, err)
	}
	return data, nil
}

// NewCSR returns a PEM certificate request for the key, with common name
// cn. The signer decides the names and groups that end up in the
// certificate; the request only carries the public key and proves
// possession of the private one.
func NewCSR(keyPEM []byte, cn string) ([]byte, error) {
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, fmt.Errorf("certificate request: %w", err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: cn}}, key)
	if err != nil {
		return nil, fmt.Errorf("certificate request for %s: %w", cn, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}), nil
}

// CheckPair tells whether certPEM starts with a certificate for keyPEM's
// key; an agent checks what the join API returned before writing it.
func CheckPair(certPEM, keyPEM []byte) error {
	certs, err := parseCerts(certPEM)
	if err != nil {
		return err
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return err
	}
	if !keyMatches(certs[0], key) {
		return fmt.Errorf("the certificate for %q is not for this node's key", certs[0].Subject.CommonName)
	}
	return nil
}
