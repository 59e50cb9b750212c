package oci

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// DirFiles lists a folder on this machine as layer entries under prefix
// in the image ("" for the image's root): folders, regular files and
// symbolic links, with their modes.
func DirFiles(dir, prefix string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		f, err := dirFile(p, path.Join(prefix, filepath.ToSlash(rel)), d)
		if err != nil {
			return err
		}
		out = append(out, f)
		return nil
	})
	return out, err
}

func dirFile(p, name string, d fs.DirEntry) (File, error) {
	info, err := d.Info()
	if err != nil {
		return File{}, err
	}
	f := File{Path: name, Mode: info.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)}
	switch {
	case d.IsDir():
		f.Dir = true
	case d.Type()&fs.ModeSymlink != 0:
		f.Link, err = os.Readlink(p)
	case d.Type().IsRegular():
		f.Source = p
	default:
		err = fmt.Errorf("%s: only folders, regular files and links go into an image layer", p)
	}
	return f, err
}
