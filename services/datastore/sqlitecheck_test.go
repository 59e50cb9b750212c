package datastore

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckSQLite(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := checkSQLite(ctx, filepath.Join(dir, "missing.db")); err != nil {
		t.Errorf("missing file: %v", err)
	}
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	if err := checkSQLite(ctx, empty); err != nil {
		t.Errorf("empty file: %v", err)
	}
	good := filepath.Join(dir, "good.db")
	db, err := sql.Open("sqlite", good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('x')"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := checkSQLite(ctx, good); err != nil {
		t.Errorf("healthy database: %v", err)
	}
	junk := filepath.Join(dir, "junk.db")
	os.WriteFile(junk, bytes.Repeat([]byte("junk"), 1000), 0o600)
	if err := checkSQLite(ctx, junk); err == nil || !strings.Contains(err.Error(), "not a SQLite database") {
		t.Errorf("junk: %v", err)
	}
	// A real header over damaged pages.
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	for i := 100; i < len(data); i++ {
		data[i] = 0xA5
	}
	damaged := filepath.Join(dir, "damaged.db")
	os.WriteFile(damaged, data, 0o600)
	if err := checkSQLite(ctx, damaged); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("damaged pages: %v", err)
	}
	after, _ := os.ReadFile(damaged)
	if !bytes.Equal(after, data) {
		t.Error("the check changed the damaged file")
	}
}
