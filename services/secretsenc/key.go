package secretsenc

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// KeySize is a secretbox key's length in bytes.
const KeySize = 32

// Key is one encryption key.
type Key struct {
	Name   string
	Secret []byte // KeySize bytes
}

// keyName is what kube-apiserver accepts as a key's name (it becomes part
// of each stored value's prefix).
var keyName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ParseKeys reads a key file: "NAME BASE64" lines, blank lines and
// #-comments ignored. The error names the line and what is wrong, never a
// key.
func ParseKeys(data []byte) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseKey(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if seen[k.Name] {
			return nil, fmt.Errorf("line %d: key name %s is used twice", n, k.Name)
		}
		seen[k.Name] = true
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		return nil, errors.New("no key in the file")
	}
	return keys, nil
}

func parseKey(line string) (Key, error) {
	name, b64, ok := strings.Cut(line, " ")
	if !ok {
		return Key{}, errors.New(`want "NAME BASE64"`)
	}
	if !keyName.MatchString(name) {
		return Key{}, fmt.Errorf("key name %q: lower-case letters, digits and dashes only", name)
	}
	secret, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil || len(secret) != KeySize {
		return Key{}, fmt.Errorf("key %s: want %d bytes in base64", name, KeySize)
	}
	return Key{Name: name, Secret: secret}, nil
}

// formatKeys renders keys as ParseKeys reads them.
func formatKeys(keys []Key) []byte {
	var b bytes.Buffer
	b.WriteString("# outpost secrets encryption keys: the first encrypts, all decrypt. Losing this file loses every Secret.\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s %s\n", k.Name, base64.StdEncoding.EncodeToString(k.Secret))
	}
	return b.Bytes()
}

// readKeys reads the key file at path; a missing file is (nil, nil).
func readKeys(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read encryption key: %w", err)
	}
	keys, err := ParseKeys(data)
	if err != nil {
		return nil, fmt.Errorf("encryption key file %s: %w; restore it from a backup (without it the Secrets in the datastore cannot be read)", path, err)
	}
	return keys, nil
}

// newKeyFile makes a first key and writes it to path (0600).
func newKeyFile(path string) ([]Key, error) {
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("new encryption key: %w", err)
	}
	keys := []Key{{Name: "outpost-1", Secret: secret}}
	if err := atomicfile.Write(path, formatKeys(keys), 0o600); err != nil {
		return nil, fmt.Errorf("new encryption key: %w", err)
	}
	return keys, nil
}
