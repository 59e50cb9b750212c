package secretsenc

import (
	"bytes"
	"encoding/base64"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// providers decodes the configuration's provider order for secrets.
func providers(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Kind      string
		Resources []struct {
			Resources []string
			Providers []map[string]any
		}
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("config does not parse: %v\n%s", err, data)
	}
	if doc.Kind != "EncryptionConfiguration" || len(doc.Resources) != 1 || doc.Resources[0].Resources[0] != "secrets" {
		t.Fatalf("config: %+v", doc)
	}
	var out []string
	for _, p := range doc.Resources[0].Providers {
		for k := range p {
			out = append(out, k)
		}
	}
	return out
}

func mode(t *testing.T, path string) os.FileMode {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestEnsureLifecycle(t *testing.T) {
	dir := t.TempDir()
	if p, err := Ensure(dir, false, quiet); err != nil || p != "" {
		t.Fatalf("off with no key: %q %v, want no config", p, err)
	}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		t.Fatal("a key was made while encryption is off")
	}
	p, err := Ensure(dir, true, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if got := providers(t, p); strings.Join(got, ",") != "secretbox,identity" {
		t.Errorf("on: providers %v", got)
	}
	key, _ := os.ReadFile(filepath.Join(dir, KeyFile))
	for _, f := range []string{KeyFile, ConfigFile} {
		if m := mode(t, filepath.Join(dir, f)); m != 0o600 {
			t.Errorf("%s mode %o, want 0600", f, m)
		}
	}
	if _, err := Ensure(dir, true, quiet); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(filepath.Join(dir, KeyFile)); !bytes.Equal(again, key) {
		t.Error("a second start changed the key: every Secret would be lost")
	}
	if p, err = Ensure(dir, false, quiet); err != nil || p == "" {
		t.Fatalf("off with a key: %q %v, want a config that still decrypts", p, err)
	}
	if got := providers(t, p); strings.Join(got, ",") != "identity,secretbox" {
		t.Errorf("off with a key: providers %v", got)
	}
	config, _ := os.ReadFile(p)
	keys, _ := ParseKeys(key)
	if !bytes.Contains(config, []byte(base64.StdEncoding.EncodeToString(keys[0].Secret))) {
		t.Error("the config does not carry the key")
	}
}

func TestEnsureRefusesDamagedKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, KeyFile)
	if err := os.WriteFile(path, []byte("outpost-1 c2hvcnQ=\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Ensure(dir, true, quiet)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "32 bytes") {
		t.Fatalf("err = %v, want one naming the file and the key size", err)
	}
	if data, _ := os.ReadFile(path); string(data) != "outpost-1 c2hvcnQ=\n" {
		t.Error("the damaged key file was overwritten: the Secrets it may still decrypt would be lost")
	}
}

func TestParseKeys(t *testing.T) {
	good := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, KeySize))
	keys, err := ParseKeys([]byte("# c\n\nnew " + good + "\nold " + good + "\n"))
	if err != nil || len(keys) != 2 || keys[0].Name != "new" {
		t.Fatalf("%v %v", keys, err)
	}
	for in, want := range map[string]string{
		"":                          "no key",
		"justone":                   "NAME BASE64",
		"Bad_Name " + good:          "key name",
		"a " + good + "\na " + good: "used twice",
		"a !!!":                     "base64",
	} {
		if _, err := ParseKeys([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", in, err, want)
		}
	}
}

func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("outpost-1 " + base64.StdEncoding.EncodeToString(make([]byte, KeySize)) + "\n"))
	f.Add([]byte("a b\n# x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseKeys(data)
		if err != nil {
			return
		}
		again, err := ParseKeys(formatKeys(keys))
		if err != nil || len(again) != len(keys) {
			t.Fatalf("keys do not round-trip: %v", err)
		}
		for i := range keys {
			if again[i].Name != keys[i].Name || !bytes.Equal(again[i].Secret, keys[i].Secret) {
				t.Fatalf("key %d changed", i)
			}
		}
	})
}
