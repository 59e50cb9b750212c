package datastore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	_ "modernc.org/sqlite" // registers the "sqlite" driver used for the check
)

// sqliteMagic starts every SQLite database file.
const sqliteMagic = "SQLite format 3\x00"

// checkSQLite refuses an existing file that is not a healthy SQLite
// database, and changes nothing in it. A missing or empty file is new.
func checkSQLite(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("datastore %s cannot be read: %w", path, err)
	}
	head := make([]byte, len(sqliteMagic))
	n, err := io.ReadFull(f, head)
	f.Close()
	if n == 0 && (err == io.EOF) {
		return nil
	}
	if err != nil || string(head) != sqliteMagic {
		return fmt.Errorf("datastore %s is not a SQLite database (corrupt or foreign file); it was left as it is: move it away to start a new cluster, or restore a backup", path)
	}
	return quickCheck(ctx, path)
}

// quickCheck runs SQLite's PRAGMA quick_check, which only reads.
func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("datastore %s: open: %w", path, err)
	}
	defer db.Close()
	var result string
	if err := db.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&result); err != nil {
		return fmt.Errorf("datastore %s is corrupt (quick check failed: %v); it was left as it is", path, err)
	}
	if result != "ok" {
		return fmt.Errorf("datastore %s is corrupt (quick check: %s); it was left as it is", path, result)
	}
	return nil
}
