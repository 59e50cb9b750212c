package pki

import (
	"cmp"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"slices"
	"time"
)

// Usage says what a leaf certificate may be used for.
type Usage int

// Leaf usages; combine them with | for certificates that are both (etcd).
const (
	UsageClient Usage = 1 << iota
	UsageServer
)

// LeafValidity is how long a leaf certificate is valid.
const LeafValidity = 365 * 24 * time.Hour

// LeafSpec is what a leaf certificate says about its holder. The subject and
// SANs of an issued certificate come only from here, never from a CSR.
type LeafSpec struct {
	CN       string
	O        []string
	DNSNames []string
	IPs      []net.IP
	Usage    Usage
	// Validity is how long the certificate is valid; zero means
	// LeafValidity.
	Validity time.Duration
}

func (s LeafSpec) validate() error {
	if s.CN == "" {
		return errors.New("leaf spec: empty common name")
	}
	if s.Usage&(UsageClient|UsageServer) == 0 || s.Usage&^(UsageClient|UsageServer) != 0 {
		return fmt.Errorf("leaf spec %s: usage must be client, server or both, got %d", s.CN, s.Usage)
	}
	for _, ip := range s.IPs {
		if len(ip) != net.IPv4len && len(ip) != net.IPv6len {
			return fmt.Errorf("leaf spec %s: invalid IP address of %d bytes", s.CN, len(ip))
		}
	}
	return nil
}

func (s LeafSpec) extKeyUsage() []x509.ExtKeyUsage {
	var u []x509.ExtKeyUsage
	if s.Usage&UsageServer != 0 {
		u = append(u, x509.ExtKeyUsageServerAuth)
	}
	if s.Usage&UsageClient != 0 {
		u = append(u, x509.ExtKeyUsageClientAuth)
	}
	return u
}

// SignCSR issues a certificate for the public key of csr, with the subject,
// SANs and usage of spec (whatever the CSR asks for). It returns the PEM of
// the leaf followed by the CA certificate. The CSR's self-signature must
// verify and its key must be ECDSA (P-256/P-384/P-521), Ed25519 or RSA of at
// least 2048 bits.
func (ca *CA) SignCSR(csr *x509.CertificateRequest, spec LeafSpec) ([]byte, error) {
	if csr == nil {
		return nil, errors.New("sign CSR: no certificate request")
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("sign CSR for %s: bad request signature: %w", spec.CN, err)
	}
	if err := checkPublicKey(csr.PublicKey); err != nil {
		return nil, fmt.Errorf("sign CSR for %s: %w", spec.CN, err)
	}
	der, err := ca.issue(csr.PublicKey, spec)
	if err != nil {
		return nil, err
	}
	return ca.chainPEM(der), nil
}

// issue signs a leaf certificate for pub and returns its DER.
func (ca *CA) issue(pub crypto.PublicKey, spec LeafSpec) ([]byte, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, fmt.Errorf("sign %s: %w", spec.CN, err)
	}
	t := ca.clock()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: spec.CN, Organization: slices.Clone(spec.O)},
		NotBefore:    t.Add(-time.Minute),
		NotAfter:     t.Add(cmp.Or(spec.Validity, LeafValidity)),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  spec.extKeyUsage(),
		DNSNames:     slices.Clone(spec.DNSNames),
		IPAddresses:  slices.Clone(spec.IPs),
	}
	if _, ok := pub.(*rsa.PublicKey); ok {
		tmpl.KeyUsage |= x509.KeyUsageKeyEncipherment
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		return nil, fmt.Errorf("sign %s with %s: %w", spec.CN, ca.Name, err)
	}
	return der, nil
}

// chainPEM is the leaf followed by the CA certificate file's content.
func (ca *CA) chainPEM(leafDER []byte) []byte {
	out := encodeCert(leafDER)
	return append(out, ca.CertPEM...)
}

func (ca *CA) clock() time.Time {
	if ca.now == nil {
		return time.Now()
	}
	return ca.now()
}

func checkPublicKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return errors.New("unsupported ECDSA curve")
	case ed25519.PublicKey:
		return nil
	case *rsa.PublicKey:
		if k.N.BitLen() < 2048 {
			return fmt.Errorf("RSA key of %d bits is too small, need at least 2048", k.N.BitLen())
		}
		return nil
	default:
		return fmt.Errorf("unsupported public key type %T", pub)
	}
}

func newSerial() (*big.Int, error) {
	limit := new(big.Int).Lsh(big.NewInt(1), 127)
	n, err := rand.Int(rand.Reader, limit)
	if err != nil {
		return nil, fmt.Errorf("random serial number: %w", err)
	}
	return n.Add(n, big.NewInt(1)), nil
}
