package userland

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// triplets are the multiarch folders of each machine: Debian's dynamic
// loader searches /lib/TRIPLET and /usr/lib/TRIPLET (then /lib, /usr/lib)
// without any ld.so.cache, so the image needs no ldconfig run.
var triplets = map[elf.Machine]string{elf.EM_X86_64: "x86_64-linux-gnu", elf.EM_AARCH64: "aarch64-linux-gnu"}

// CheckLibraries checks every dynamically linked program and library in
// root (kernel modules aside): its interpreter and each library it needs
// must be in the image where the loader looks.
func CheckLibraries(root string) error {
	var problems []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(strings.TrimPrefix(p, root))
		if d.IsDir() && rel == "/lib/modules" {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			problems = append(problems, checkELF(root, p, rel)...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New("root image: the dynamic loader would fail: " + strings.Join(problems, "; "))
	}
	return nil
}

// checkELF returns what p (at rel in the image) needs and lacks; files
// that are not dynamically linked ELF programs or libraries need nothing.
func checkELF(root, p, rel string) []string {
	f, err := elf.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil
	}
	var out []string
	if interp := interpreter(f); interp != "" && !existsIn(root, interp) {
		out = append(out, fmt.Sprintf("%s needs the loader %s", rel, interp))
	}
	libs, _ := f.ImportedLibraries()
	for _, lib := range libs {
		if !findLibrary(root, f.Machine, lib) {
			out = append(out, fmt.Sprintf("%s needs %s", rel, lib))
		}
	}
	return out
}

func interpreter(f *elf.File) string {
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			b := make([]byte, p.Filesz)
			if _, err := p.ReadAt(b, 0); err == nil {
				return strings.TrimRight(string(b), "\x00")
			}
		}
	}
	return ""
}

func findLibrary(root string, m elf.Machine, lib string) bool {
	dirs := []string{"/lib", "/usr/lib"}
	if t, ok := triplets[m]; ok {
		dirs = append([]string{"/lib/" + t, "/usr/lib/" + t}, dirs...)
	}
	for _, d := range dirs {
		if existsIn(root, path.Join(d, lib)) {
			return true
		}
	}
	return false
}

// existsIn follows symbolic links as if root were / (absolute targets
// stay inside root) and says whether p leads to a regular file. Links in
// the folders along the way are left to the host to follow, so they must be
// relative (the image has no such links).
func existsIn(root, p string) bool {
	for range 40 {
		st, err := os.Lstat(filepath.Join(root, p))
		if err != nil {
			return false
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			return st.Mode().IsRegular()
		}
		target, err := os.Readlink(filepath.Join(root, p))
		if err != nil {
			return false
		}
		if !path.IsAbs(target) {
			target = path.Join(path.Dir(p), target)
		}
		p = target
	}
	return false
}
