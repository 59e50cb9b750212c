package cloudinit

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

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// fieldErrors unpacks err into config.Errors or fails.
func fieldErrors(t *testing.T, err error) config.Errors {
	t.Helper()
	var es config.Errors
	if !errors.As(err, &es) {
		t.Fatalf("want config.Errors, got %T: %v", err, err)
	}
	return es
}

func hasWarning(l *config.Layer, substr string) bool {
	for _, w := range l.Warnings {
		if strings.Contains(w.Error(), substr) {
			return true
		}
	}
	return false
}

func gzipBytes(t testing.TB, data []byte) []byte {
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
