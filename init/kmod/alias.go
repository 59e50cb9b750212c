package kmod

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Alias is one line of modules.alias: a glob pattern and the module that
// provides it (crypto-crc32c -> crc32c_generic, net-pf-10 -> ipv6).
type Alias struct {
	Pattern string
	Module  string
}

// ParseAliases reads modules.alias.
func ParseAliases(r io.Reader) ([]Alias, error) {
	var out []Alias
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for s.Scan() {
		f := strings.Fields(s.Text())
		if len(f) == 3 && f[0] == "alias" {
			out = append(out, Alias{Pattern: f[1], Module: f[2]})
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read modules.alias: %w", err)
	}
	return out, nil
}

// Resolve returns the modules that provide name: the module itself when it
// is a module name, otherwise every module whose alias pattern matches.
func Resolve(aliases []Alias, name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range aliases {
		if ok, _ := path.Match(a.Pattern, name); ok && !seen[a.Module] {
			seen[a.Module] = true
			out = append(out, a.Module)
		}
	}
	return out
}

// Modprobe loads name, which may be a module or an alias as the kernel
// asks for them through /sbin/modprobe (request_module).
func (l *Loader) Modprobe(name string) error {
	if err := l.prober.Probe(name, ""); err == nil {
		return nil
	}
	f, err := os.Open(filepath.Join(l.dir, "modules.alias"))
	if err != nil {
		return fmt.Errorf("module %s: not a module, and no modules.alias to look it up: %w", name, err)
	}
	defer f.Close()
	aliases, err := ParseAliases(f)
	if err != nil {
		return err
	}
	mods := Resolve(aliases, name)
	if len(mods) == 0 {
		return fmt.Errorf("module %s: no module provides it", name)
	}
	return l.Load(mods)
}
