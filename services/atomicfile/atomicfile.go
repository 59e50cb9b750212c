// Package atomicfile writes files so that a reader (or a box that loses
// power) sees either the old content or the new one, never a mix: a
// temporary file in the same folder, synced, renamed over the target, and
// the folder synced. Write does it for content in memory; Create gives the
// temporary file to stream a large one into, or to hand to a program by
// its name.
package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Write writes data to path with mode. On error the temporary file is
// removed and path is left as it was.
func Write(path string, data []byte, mode os.FileMode) error {
	f, err := Create(path, mode)
	if err != nil {
		return err
	}
	defer f.Abort()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}

// File is the temporary file that becomes path on Commit. Write to it as
// an *os.File, or let a program write the file it names (Name): Commit
// takes whatever is at that name then, even a file the program put there
// in place of this one.
type File struct {
	*os.File
	path string
	mode os.FileMode
	done bool
}

// Create makes the temporary file for path, in path's folder (so the
// rename stays in one file system), named .BASE.tmp-*. Defer Abort: it
// removes the file unless Commit put it in place.
func Create(path string, mode os.FileMode) (*File, error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	return &File{File: tmp, path: path, mode: mode}, nil
}

// Commit gives the temporary file its mode, syncs it, renames it over
// path and syncs the folder. After an error the file is left for Abort to
// remove, and path is as it was.
func (f *File) Commit() error {
	if err := f.File.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	name := f.Name()
	if err := os.Chmod(name, f.mode); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := syncFile(name); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	if err := os.Rename(name, f.path); err != nil {
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	if err := SyncDir(filepath.Dir(f.path)); err != nil {
		return fmt.Errorf("write %s: sync folder: %w", f.path, err)
	}
	return nil
}

// Abort closes and removes the temporary file; after Commit it does
// nothing.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.File.Close()
	os.Remove(f.Name())
	f.done = true
}

// syncFile syncs the file at name: it may not be the one Create opened.
func syncFile(name string) error {
	g, err := os.Open(name)
	if err != nil {
		return err
	}
	defer g.Close()
	return g.Sync()
}

// SyncDir makes a folder's entries (a rename, a removal) durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
