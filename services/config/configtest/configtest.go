// Package configtest holds what the tests of the configuration's sources
// (services/metadata, services/cloudinit) share: fixtures, fuzz seeds,
// and checks on layers and their errors.
package configtest

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/config"
)

// ReadFixture reads testdata/name.
func ReadFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// AddFixtures seeds a fuzz target with every file matching the patterns
// (relative to testdata). A pattern that matches nothing fails, so seeds
// are not lost when fixtures move.
func AddFixtures(f *testing.F, patterns ...string) {
	for _, p := range patterns {
		files, err := filepath.Glob(filepath.Join("testdata", p))
		if err != nil {
			f.Fatal(err)
		}
		if len(files) == 0 {
			f.Fatalf("no fixture matches %s", p)
		}
		for _, name := range files {
			if st, err := os.Stat(name); err != nil || st.IsDir() {
				continue
			}
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
}

// CheckLayer does with a layer what metadata.Load does: merge, validate,
// show. It fails only when showing fails.
func CheckLayer(t *testing.T, l *config.Layer) {
	if l == nil {
		return
	}
	e := config.Merge(l)
	_ = e.Validate()
	var buf bytes.Buffer
	if err := e.Show(&buf); err != nil {
		t.Fatal(err)
	}
}

// FieldErrors unpacks err into config.Errors or fails.
func FieldErrors(t *testing.T, err error) config.Errors {
	t.Helper()
	var es config.Errors
	if !errors.As(err, &es) {
		t.Fatalf("want config.Errors, got %T: %v", err, err)
	}
	return es
}

// HasWarning tells whether a warning of l contains substr.
func HasWarning(l *config.Layer, substr string) bool {
	for _, w := range l.Warnings {
		if strings.Contains(w.Error(), substr) {
			return true
		}
	}
	return false
}

// Gzip compresses data.
func Gzip(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
