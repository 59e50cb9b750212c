package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// dataDir is the checked, absolute data directory of a running server.
type dataDir struct {
	Root string
	lock *os.File
}

// Server is <data-dir>/server.
func (d *dataDir) Server() string { return filepath.Join(d.Root, "server") }

// TLS is <data-dir>/server/tls.
func (d *dataDir) TLS() string { return filepath.Join(d.Server(), "tls") }

// DB is <data-dir>/server/db.
func (d *dataDir) DB() string { return filepath.Join(d.Server(), "db") }

// Cred is <data-dir>/server/cred.
func (d *dataDir) Cred() string { return filepath.Join(d.Server(), "cred") }

// openDataDir makes the data directory absolute, creates <data-dir>/server
// (0700) when missing, proves it writable and takes an exclusive lock so a
// second server cannot share it.
func openDataDir(dir string) (*dataDir, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	d := &dataDir{Root: abs}
	for _, sub := range []string{d.Server(), d.Cred()} {
		if err := os.MkdirAll(sub, 0o700); err != nil {
			return nil, fmt.Errorf("data dir %s is not usable: %w", abs, err)
		}
	}
	if err := probeWritable(d.Server()); err != nil {
		return nil, fmt.Errorf("data dir %s is not writable: %w", abs, err)
	}
	if err := d.takeLock(); err != nil {
		return nil, err
	}
	return d, nil
}

func probeWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".write-probe-*")
	if err != nil {
		return err
	}
	name := f.Name()
	_, werr := f.Write([]byte("ok"))
	cerr := f.Close()
	rerr := os.Remove(name)
	return errors.Join(werr, cerr, rerr)
}

func (d *dataDir) takeLock() error {
	path := filepath.Join(d.Server(), ".lock")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("data dir lock %s: %w", path, err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return fmt.Errorf("data dir %s is in use by another outpost server (lock %s): %w", d.Root, path, err)
	}
	d.lock = f
	return nil
}

// Close releases the lock.
func (d *dataDir) Close() error {
	if d.lock == nil {
		return nil
	}
	return d.lock.Close()
}
