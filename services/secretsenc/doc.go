// Package secretsenc keeps the key that kube-apiserver encrypts Secrets
// with before they reach the datastore (outpost server
// --secrets-encryption, k3s's option of the same name) and writes the
// EncryptionConfiguration that names it.
//
// The key lives in <data-dir>/server/cred/encryption-key (0600), one
// "NAME BASE64" line per key, the first being the one new writes use. The
// configuration is rendered from it on every start, so it never drifts
// from the key file. Provider: secretbox (XSalsa20-Poly1305 with a 32-byte
// key), the one upstream recommends for a locally kept key; aescbc is
// weak against padding oracles and aesgcm needs a new key every 200,000
// writes.
//
// Turning encryption off once a key exists keeps the key as a read-only
// provider behind identity: Secrets written while it was on stay readable
// and are stored in clear the next time they are written.
package secretsenc
