package agent

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// nodePassword returns the node password kept at path, making a random one
// (0600, in a 0700 folder) on first use. The server stores its hash and
// refuses another box that claims this node's name with another password.
func nodePassword(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		if p := strings.TrimSpace(string(data)); p != "" {
			return p, nil
		}
		return "", fmt.Errorf("node password file %s is empty: remove it to make a new password (the server must then forget this node: outpost node release <node> on a server)", path)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("node password: %w", err)
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("node password: %w", err)
	}
	p := hex.EncodeToString(b)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("node password: %w", err)
	}
	if err := atomicfile.Write(path, []byte(p+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("node password: %w", err)
	}
	return p, nil
}
