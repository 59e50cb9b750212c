package vm

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
)

// NewSecret returns a random bare token secret.
func NewSecret(t testing.TB) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// WriteFile writes a 0600 file (a token, a configuration holding one) or
// fails the test.
func WriteFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
