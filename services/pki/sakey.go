package pki

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
)

const serviceKeyBits = 2048

// ensureServiceKey creates the RSA service-account signing key when it is
// missing. An existing key that cannot be read is an error and is left
// alone: it signs every service-account token in the cluster.
func ensureServiceKey(path string) (created bool, err error) {
	data, err := readOptional(path)
	if err != nil {
		return false, err
	}
	if data != nil {
		key, err := parseKey(data)
		if err != nil {
			return false, fmt.Errorf("service-account key %s is corrupt: %w; restore it from a backup or remove it (every service-account token is then invalid)", path, err)
		}
		if _, ok := key.(*rsa.PrivateKey); !ok {
			return false, fmt.Errorf("service-account key %s is a %T, want an RSA key", path, key)
		}
		return false, nil
	}
	key, err := rsa.GenerateKey(rand.Reader, serviceKeyBits)
	if err != nil {
		return false, fmt.Errorf("generate service-account key: %w", err)
	}
	pemData, err := encodeKey(key)
	if err != nil {
		return false, fmt.Errorf("service-account key: %w", err)
	}
	if err := WriteFileAtomic(path, pemData, 0o600); err != nil {
		return false, fmt.Errorf("service-account key: %w", err)
	}
	return true, nil
}
