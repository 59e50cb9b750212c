package secretsenc

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// File names in the directory given to Ensure.
const (
	KeyFile    = "encryption-key"
	ConfigFile = "encryption-config.yaml"
)

// Ensure prepares encryption at rest in dir (<data-dir>/server/cred) and
// returns the EncryptionConfiguration for kube-apiserver's
// --encryption-provider-config, or "" when there is none: encryption off
// and no key ever made. With enabled, a missing key is made.
func Ensure(dir string, enabled bool, log *slog.Logger) (string, error) {
	keyPath := filepath.Join(dir, KeyFile)
	keys, err := readKeys(keyPath)
	if err != nil {
		return "", err
	}
	if keys == nil && !enabled {
		return "", nil
	}
	if keys == nil {
		if keys, err = newKeyFile(keyPath); err != nil {
			return "", err
		}
		log.Info("secrets encryption: new key", "file", keyPath)
	}
	if !enabled {
		log.Warn("secrets encryption is off but a key exists: Secrets written while it was on stay readable, new writes are stored in clear", "file", keyPath)
	}
	path := filepath.Join(dir, ConfigFile)
	if err := atomicfile.Write(path, render(keys, enabled), 0o600); err != nil {
		return "", fmt.Errorf("secrets encryption: %w", err)
	}
	return path, nil
}

// render writes the EncryptionConfiguration: secretbox first when
// enabled (it encrypts, identity reads what was stored in clear before),
// identity first when not (the keys still decrypt).
func render(keys []Key, enabled bool) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n")
	b.WriteString("# written by outpost server from " + KeyFile + " on every start; edits are lost\n")
	b.WriteString("resources:\n- resources: [secrets]\n  providers:\n")
	box := "  - secretbox:\n      keys:\n"
	for _, k := range keys {
		box += fmt.Sprintf("      - name: %s\n        secret: %s\n", k.Name, base64.StdEncoding.EncodeToString(k.Secret))
	}
	identity := "  - identity: {}\n"
	if enabled {
		b.WriteString(box + identity)
	} else {
		b.WriteString(identity + box)
	}
	return []byte(b.String())
}
