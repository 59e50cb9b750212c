package server_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/outpost-os/outpost/tests/vm"
)

// secretValue is the value createObjects puts in its Secret.
const secretValue = "v3ry-s3cret"

// encryptedPrefix starts every value kube-apiserver stores through the
// secretbox provider.
const encryptedPrefix = "k8s:enc:secretbox:v1:"

// datastoreHolds says whether any file under dir (the datastore's
// files, WAL included) holds b.
func datastoreHolds(t *testing.T, dir string, b []byte) bool {
	t.Helper()
	found := false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() || found {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		found = bytes.Contains(data, b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// checkSecretsAtRest reads the datastore's files straight from the disk:
// with encryption on, the Secret's value is not there in clear and
// encrypted values are; with it off, the value is there in clear (which
// shows the first case could fail).
func checkSecretsAtRest(t *testing.T, dataDir string, encrypted bool) {
	db := filepath.Join(dataDir, "server", "db")
	vm.MustPoll(t, "the Secret written to the datastore files", 30*time.Second, pollInterval, func() (bool, error) {
		return datastoreHolds(t, db, []byte(encryptedPrefix)) || datastoreHolds(t, db, []byte(secretValue)), nil
	})
	clear := datastoreHolds(t, db, []byte(secretValue))
	switch {
	case encrypted && clear:
		t.Errorf("the Secret's value is in clear in %s", db)
	case encrypted && !datastoreHolds(t, db, []byte(encryptedPrefix)):
		t.Errorf("no %s value in %s", encryptedPrefix, db)
	case !encrypted && !clear:
		t.Errorf("with --secrets-encryption=false the value should be in clear in %s", db)
	}
	key := filepath.Join(dataDir, "server", "cred", "encryption-key")
	st, err := os.Stat(key)
	switch {
	case encrypted && err != nil:
		t.Errorf("no key file: %v", err)
	case encrypted && st.Mode().Perm() != 0o600:
		t.Errorf("%s has mode %v, want 0600", key, st.Mode().Perm())
	case !encrypted && err == nil:
		t.Errorf("a key was made with encryption off")
	}
}
