package deb

import "strings"

// Dep is one alternative of a dependency: a package name with its
// optional architecture qualifier (name:any) and version constraint.
type Dep struct {
	Name    string
	Arch    string
	Op      string
	Version string
}

// ParseDepends splits a Depends or Pre-Depends field into its entries, each
// a list of alternatives ("a | b"). Architecture restrictions ([amd64]) and
// build profiles (<stage1>) are dropped; an alternative without a name is
// skipped, and an entry left without alternatives is dropped.
func ParseDepends(field string) [][]Dep {
	var out [][]Dep
	for _, entry := range strings.Split(field, ",") {
		var alts []Dep
		for _, alt := range strings.Split(entry, "|") {
			if d, ok := parseDep(alt); ok {
				alts = append(alts, d)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

// parseDep reads "name[:arch] [(op version)] [[archs]] [<profiles>]".
func parseDep(s string) (Dep, bool) {
	s = cutBetween(cutBetween(s, '[', ']'), '<', '>')
	var d Dep
	if i := strings.IndexByte(s, '('); i >= 0 {
		rel := s[i+1:]
		s = s[:i]
		if j := strings.IndexByte(rel, ')'); j >= 0 {
			rel = rel[:j]
		}
		d.Op, d.Version = splitRelation(strings.TrimSpace(rel))
	}
	name := strings.Fields(s)
	if len(name) != 1 {
		return Dep{}, false
	}
	d.Name, d.Arch, _ = strings.Cut(name[0], ":")
	return d, validName(d.Name) && (d.Arch == "" || validName(d.Arch))
}

// validName says whether s is a package (or architecture) name as Debian
// policy allows: lower-case letters, digits, and + - . after the first.
func validName(s string) bool {
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && strings.ContainsRune("+-.", r)
		if !ok {
			return false
		}
	}
	return s != ""
}

// splitRelation splits ">= 2.34" (or ">=2.34") into operator and version.
func splitRelation(rel string) (string, string) {
	n := 0
	for n < len(rel) && strings.IndexByte("<>=", rel[n]) >= 0 {
		n++
	}
	return rel[:n], strings.TrimSpace(rel[n:])
}

// cutBetween removes every part of s from open to the next close (or to
// the end when close is missing).
func cutBetween(s string, open, close byte) string {
	for {
		i := strings.IndexByte(s, open)
		if i < 0 {
			return s
		}
		j := strings.IndexByte(s[i:], close)
		if j < 0 {
			return s[:i]
		}
		s = s[:i] + " " + s[i+j+1:]
	}
}
