// Package pki owns the server's certificate authorities, certificates and
// service-account key under <data-dir>/server/tls: it creates what is
// missing, renews leaves that expire within 120 days, no longer match their
// CN/O/SANs or were signed by another CA, and reuses everything else byte for
// byte. CAs and the service-account key are never regenerated once they
// exist: a corrupt one is an error for a person to resolve.
//
// It also signs certificate requests for the join API (CA.SignCSR) and offers
// WriteFileAtomic, the one way files are written here.
package pki
