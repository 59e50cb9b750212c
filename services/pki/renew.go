package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// RenewBefore is how long before expiry a leaf certificate is re-issued.
const RenewBefore = 120 * 24 * time.Hour

// Pair is the absolute paths of a certificate and its key.
type Pair struct {
	Cert string
	Key  string
}

// reasonMissing is renewReason's answer for a certificate not yet issued.
const reasonMissing = "missing"

// ensureLeaf makes sure <dir>/<name>.{crt,key} is a certificate from ca that
// fits spec and is valid for at least RenewBefore. A usable key is kept when
// the certificate is re-issued. A corrupt file is not overwritten: it is
// renamed to <file>.corrupt-<time> and a new pair is issued, because a leaf
// carries no state that is not in its CA and the spec.
func ensureLeaf(ca *CA, dir, name string, spec LeafSpec, log *slog.Logger) (Pair, bool, error) {
	p := Pair{Cert: filepath.Join(dir, name+".crt"), Key: filepath.Join(dir, name+".key")}
	if err := recoverPair(p.Cert, p.Key); err != nil {
		return p, false, err
	}
	certPEM, err := readOptional(p.Cert)
	if err != nil {
		return p, false, err
	}
	keyPEM, err := readOptional(p.Key)
	if err != nil {
		return p, false, err
	}
	var key crypto.Signer
	if keyPEM != nil {
		if key, err = parseKey(keyPEM); err != nil {
			log.Warn("leaf key is corrupt, moving it aside and issuing a new pair", "file", p.Key, "err", err)
			if err := moveAside(p.Key, ca.clock()); err != nil {
				return p, false, err
			}
			key = nil
		}
	}
	reason, corrupt := renewReason(ca, certPEM, key, spec)
	if reason == "" {
		return p, false, nil
	}
	if corrupt {
		log.Warn("leaf certificate is corrupt, moving it aside", "file", p.Cert)
		if err := moveAside(p.Cert, ca.clock()); err != nil {
			return p, false, err
		}
	}
	// A first issue is routine (Debug); replacing a certificate is news.
	level := slog.LevelInfo
	if reason == reasonMissing {
		level = slog.LevelDebug
	}
	log.Log(context.Background(), level, "issuing certificate", "file", p.Cert, "reason", reason)
	return p, true, issueLeaf(ca, p, spec, key)
}

func issueLeaf(ca *CA, p Pair, spec LeafSpec, key crypto.Signer) error {
	if key != nil {
		der, err := ca.issue(key.Public(), spec)
		if err != nil {
			return err
		}
		return WriteFileAtomic(p.Cert, ca.chainPEM(der), 0o644)
	}
	newKey, err := newECKey()
	if err != nil {
		return fmt.Errorf("issue %s: %w", p.Cert, err)
	}
	der, err := ca.issue(newKey.Public(), spec)
	if err != nil {
		return err
	}
	keyPEM, err := encodeKey(newKey)
	if err != nil {
		return fmt.Errorf("issue %s: %w", p.Cert, err)
	}
	return writePair(p.Cert, p.Key, ca.chainPEM(der), keyPEM)
}

// renewReason says why the certificate must be (re-)issued, or "" when it
// can stay. corrupt is true when the certificate file cannot be parsed.
func renewReason(ca *CA, certPEM []byte, key crypto.Signer, spec LeafSpec) (reason string, corrupt bool) {
	if certPEM == nil {
		return reasonMissing, false
	}
	chain, err := parseCerts(certPEM)
	if err != nil {
		return "corrupt: " + err.Error(), true
	}
	leaf := chain[0]
	switch {
	case key == nil:
		return "key missing", false
	case !keyMatches(leaf, key):
		return "certificate does not match its key", false
	case !signedBy(leaf, ca.Cert):
		return "signed by another CA", false
	case len(chain) > 1 && !bytes.Equal(chain[1].Raw, ca.Cert.Raw):
		return "CA certificate changed", false
	case ca.clock().Add(RenewBefore).After(leaf.NotAfter):
		return "expires " + leaf.NotAfter.UTC().Format(time.RFC3339), false
	case !matchesSpec(leaf, spec):
		return "subject, SANs or usage changed", false
	}
	return "", false
}

func signedBy(leaf, ca *x509.Certificate) bool {
	return bytes.Equal(leaf.RawIssuer, ca.RawSubject) && leaf.CheckSignatureFrom(ca) == nil
}

func matchesSpec(c *x509.Certificate, s LeafSpec) bool {
	return c.Subject.CommonName == s.CN &&
		sameSet(c.Subject.Organization, s.O) &&
		sameSet(c.DNSNames, s.DNSNames) &&
		sameSet(ipStrings(c.IPAddresses), ipStrings(s.IPs)) &&
		sameSet(c.ExtKeyUsage, s.extKeyUsage())
}

func sameSet[T interface{ ~int | ~string }](a, b []T) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, 0, len(ips))
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

// moveAside renames a file to <path>.corrupt-<time> so that its bytes stay
// available to whoever investigates.
func moveAside(path string, now time.Time) error {
	dst := path + ".corrupt-" + now.UTC().Format("20060102T150405.000000000Z")
	if err := os.Rename(path, dst); err != nil {
		return fmt.Errorf("move corrupt %s aside: %w", path, err)
	}
	return nil
}
