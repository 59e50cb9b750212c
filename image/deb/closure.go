package deb

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"
)

// Closure resolves the named packages for arch and, recursively, what
// they need (Depends and Pre-Depends), leaving out every package whose name
// matches a pattern of base (path.Match syntax, e.g. "gcc-*-base"). Of
// alternatives ("a | b") it takes one already chosen or in base, else the
// first that apt knows. Version constraints are not checked: apt's
// candidates from one archive satisfy one another. Sorted by name.
func Closure(ctx context.Context, names []string, arch string, base []string) ([]Package, error) {
	return closure(names, base, func(name string) (Package, error) { return Resolve(ctx, name, arch) })
}

// resolver finds one package by name.
type resolver func(name string) (Package, error)

type closureState struct {
	base    []string
	resolve resolver
	chosen  map[string]Package
	looked  map[string]lookedUp
}

type lookedUp struct {
	p   Package
	err error
}

func closure(names, base []string, resolve resolver) ([]Package, error) {
	c := &closureState{base: base, resolve: resolve, chosen: map[string]Package{}, looked: map[string]lookedUp{}}
	queue := append([]string{}, names...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if c.settled(name) {
			continue
		}
		p, err := c.lookup(name)
		if err != nil {
			return nil, err
		}
		c.chosen[name] = p
		deps, err := c.needs(p)
		if err != nil {
			return nil, err
		}
		queue = append(queue, deps...)
	}
	out := make([]Package, 0, len(c.chosen))
	for _, p := range c.chosen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// needs returns one package name for every dependency entry of p.
func (c *closureState) needs(p Package) ([]string, error) {
	var out []string
	for _, alts := range append(ParseDepends(p.PreDepends), ParseDepends(p.Depends)...) {
		name, err := c.pick(alts)
		if err != nil {
			return nil, fmt.Errorf("package %s %s: %w", p.Name, p.Version, err)
		}
		out = append(out, name)
	}
	return out, nil
}

// pick chooses among alternatives: one already settled, else the first
// that resolves.
func (c *closureState) pick(alts []Dep) (string, error) {
	for _, d := range alts {
		if c.settled(d.Name) {
			return d.Name, nil
		}
	}
	var names []string
	for _, d := range alts {
		if _, err := c.lookup(d.Name); err == nil {
			return d.Name, nil
		}
		names = append(names, d.Name)
	}
	return "", fmt.Errorf("needs %s, which apt does not know: run 'apt-get update', or add it to the base set if the image has no use for it", strings.Join(names, " or "))
}

// settled says whether name is chosen already or left out as base.
func (c *closureState) settled(name string) bool {
	if _, ok := c.chosen[name]; ok {
		return true
	}
	for _, pat := range c.base {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// lookup resolves each name once.
func (c *closureState) lookup(name string) (Package, error) {
	r, ok := c.looked[name]
	if !ok {
		r.p, r.err = c.resolve(name)
		c.looked[name] = r
	}
	return r.p, r.err
}
