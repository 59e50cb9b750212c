package pki

import (
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// pendingSuffix names the file that holds a pair while it is written.
const pendingSuffix = ".pending"

// writePair writes a certificate and its key so that a power cut at any
// moment leaves the old pair or the new one, never a key without its
// certificate: first both in one pending file (atomically), then the key
// and the certificate (each atomically), then the pending file goes. A
// pending file found at the next start means the second step may be half
// done; recoverPair finishes it.
func writePair(certFile, keyFile string, certPEM, keyPEM []byte) error {
	pending := keyFile + pendingSuffix
	if err := WriteFileAtomic(pending, append(append([]byte{}, keyPEM...), certPEM...), 0o600); err != nil {
		return err
	}
	return finishPair(certFile, keyFile, pending, certPEM, keyPEM)
}

func finishPair(certFile, keyFile, pending string, certPEM, keyPEM []byte) error {
	if err := WriteFileAtomic(keyFile, keyPEM, 0o600); err != nil {
		return err
	}
	if err := WriteFileAtomic(certFile, certPEM, 0o644); err != nil {
		return err
	}
	if err := os.Remove(pending); err != nil {
		return fmt.Errorf("pair %s: remove %s: %w", certFile, pending, err)
	}
	return atomicfile.SyncDir(filepath.Dir(keyFile))
}

// recoverPair finishes a writePair that a crash interrupted, from its
// pending file; without one it does nothing.
func recoverPair(certFile, keyFile string) error {
	pending := keyFile + pendingSuffix
	data, err := os.ReadFile(pending)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("pair %s: %w", certFile, err)
	}
	keyPEM, certPEM := splitPair(data)
	if keyPEM == nil || certPEM == nil {
		return fmt.Errorf("pair %s: %s holds no key and certificate; move it away after checking %s and %s", certFile, pending, certFile, keyFile)
	}
	return finishPair(certFile, keyFile, pending, certPEM, keyPEM)
}

// splitPair separates the key block from the certificate blocks.
func splitPair(data []byte) (keyPEM, certPEM []byte) {
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			return keyPEM, certPEM
		}
		enc := pem.EncodeToMemory(block)
		switch {
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			keyPEM = append(keyPEM, enc...)
		case block.Type == "CERTIFICATE":
			certPEM = append(certPEM, enc...)
		}
		data = rest
	}
}
