package deb

import (
	"context"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"
)

// Closure resolves the named packages for arch and, recursively, what
// they need (Depends and Pre-Depends), leaving out every package whose name
// matches a pattern of base (path.Match syntax, e.g. "gcc-*-base"). Of
// alternatives ("a | b") it takes one already chosen or in base, else the
// first that apt knows. Version constraints are not checked: apt's
// candidates from one archive satisfy one another. Sorted by name. Each
// level of dependencies costs one apt-cache call.
func Closure(ctx context.Context, names []string, arch string, base []string) ([]Package, error) {
	if err := checkArch(ctx, arch); err != nil {
		return nil, err
	}
	return closure(names, base, func(names []string) map[string]lookedUp {
		found := resolveMany(ctx, names, arch)
		out := map[string]lookedUp{}
		for _, n := range names {
			if p, ok := found[n]; ok {
				out[n] = lookedUp{p: p}
				continue
			}
			p, err := Resolve(ctx, n, arch) // for arch all, or to say why not
			out[n] = lookedUp{p, err}
		}
		return out
	})
}

// resolver finds packages by name; each name gets a package or an error.
type resolver func(names []string) map[string]lookedUp

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
	for level := names; len(level) > 0; {
		var err error
		if level, err = c.next(level); err != nil {
			return nil, err
		}
	}
	out := make([]Package, 0, len(c.chosen))
	for _, p := range c.chosen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// next chooses the packages of one level and returns the names they need
// (the next level), with one resolver call for the level and one for what
// it needs.
func (c *closureState) next(level []string) ([]string, error) {
	c.prefetch(level)
	type need struct {
		by   Package
		alts []Dep
	}
	var needs []need
	var wanted []string
	for _, name := range level {
		if c.settled(name) {
			continue
		}
		p, err := c.lookup(name)
		if err != nil {
			return nil, err
		}
		c.chosen[name] = p
		for _, alts := range append(ParseDepends(p.PreDepends), ParseDepends(p.Depends)...) {
			needs = append(needs, need{p, alts})
			for _, d := range alts {
				wanted = append(wanted, d.Name)
			}
		}
	}
	c.prefetch(wanted)
	var out []string
	for _, n := range needs {
		name, err := c.pick(n.alts)
		if err != nil {
			return nil, fmt.Errorf("package %s %s: %w", n.by.Name, n.by.Version, err)
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
		names = append(names, d.Name)
		if _, err := c.lookup(d.Name); err == nil {
			return d.Name, nil
		}
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

// prefetch resolves, in one go, the names not settled or looked up yet.
func (c *closureState) prefetch(names []string) {
	var todo []string
	for _, n := range names {
		if _, ok := c.looked[n]; !ok && !c.settled(n) && !slices.Contains(todo, n) {
			todo = append(todo, n)
		}
	}
	if len(todo) == 0 {
		return
	}
	for n, r := range c.resolve(todo) {
		c.looked[n] = r
	}
}

// lookup returns what prefetch found for name.
func (c *closureState) lookup(name string) (Package, error) {
	c.prefetch([]string{name})
	r, ok := c.looked[name]
	if !ok {
		return Package{}, fmt.Errorf("package %s: not resolved", name)
	}
	return r.p, r.err
}
