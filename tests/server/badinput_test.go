package server_test

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/tests/vm"
)

// TestBadInput checks that bad input ends the server with a clear error
// and leaves existing files alone.
func TestBadInput(t *testing.T) {
	t.Run("malformed token", func(t *testing.T) {
		dir := t.TempDir()
		out := runFailing(t, serverArgs(dir, vm.MustFreeServerPorts(t), "--token", "K10zz::server:s3cr3t-value")...)
		if !strings.Contains(out, "--token is malformed") || strings.Contains(out, "s3cr3t-value") {
			t.Fatalf("want a malformed-token error without the secret, got:\n%s", out)
		}
		if _, err := os.Stat(filepath.Join(dir, "server")); err == nil {
			t.Fatal("data dir populated despite the bad token")
		}
	})
	t.Run("data dir below a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "plain-file")
		if err := os.WriteFile(file, []byte("keep me"), 0o644); err != nil {
			t.Fatal(err)
		}
		out := runFailing(t, serverArgs(filepath.Join(file, "data"), vm.MustFreeServerPorts(t))...)
		if !strings.Contains(out, "data dir") || !strings.Contains(out, "not a directory") {
			t.Fatalf("want a data dir error, got:\n%s", out)
		}
		if data, _ := os.ReadFile(file); string(data) != "keep me" {
			t.Fatal("the file was changed")
		}
	})
	t.Run("data dir on a read-only file system", func(t *testing.T) {
		out := runFailing(t, serverArgs("/proc/outpost-test-data", vm.MustFreeServerPorts(t))...)
		if !strings.Contains(out, "data dir /proc/outpost-test-data") {
			t.Fatalf("want a data dir error, got:\n%s", out)
		}
	})
	t.Run("occupied supervisor port", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		p := vm.MustFreeServerPorts(t)
		p.Supervisor = l.Addr().(*net.TCPAddr).Port
		out := runFailing(t, serverArgs(t.TempDir(), p)...)
		want := "127.0.0.1:" + strconv.Itoa(p.Supervisor) + " (--supervisor-port) is not available"
		if !strings.Contains(out, want) {
			t.Fatalf("want %q, got:\n%s", want, out)
		}
	})
	t.Run("unknown kube-apiserver argument", func(t *testing.T) {
		out := runFailing(t, serverArgs(t.TempDir(), vm.MustFreeServerPorts(t), "--kube-apiserver-arg", "no-such-flag=1")...)
		if !strings.Contains(out, "kube-apiserver arguments: unknown flag: --no-such-flag") {
			t.Fatalf("want the component's argument error, got:\n%s", out)
		}
	})
	t.Run("corrupt SQLite file", func(t *testing.T) {
		dir := t.TempDir()
		db := filepath.Join(dir, "server", "db", "state.db")
		if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
			t.Fatal(err)
		}
		junk := bytes.Repeat([]byte("not a database "), 500)
		if err := os.WriteFile(db, junk, 0o600); err != nil {
			t.Fatal(err)
		}
		out := runFailing(t, serverArgs(dir, vm.MustFreeServerPorts(t))...)
		if !strings.Contains(out, db) || !strings.Contains(out, "not a SQLite database") {
			t.Fatalf("want a corrupt-datastore error naming the file, got:\n%s", out)
		}
		if data, _ := os.ReadFile(db); !bytes.Equal(data, junk) {
			t.Fatal("the corrupt database was changed")
		}
		entries, _ := os.ReadDir(filepath.Dir(db))
		if len(entries) != 1 {
			t.Fatalf("files appeared beside the database: %v", entries)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
