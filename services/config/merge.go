package config

import (
	"slices"
	"strings"
)

// Source names, one per metadata source.
const (
	SourceCmdline   = "cmdline"    // kernel command line, outpost.* keys
	SourceConfigURL = "config_url" // the file named by outpost.config_url=
	SourceFwCfg     = "fw_cfg"     // QEMU fw_cfg opt/outpost/config
	SourceNoCloud   = "nocloud"    // cidata volume or ds=nocloud;s=URL seed
	SourceOpenStack = "openstack"  // config-2 config drive
	SourceEC2       = "ec2"        // EC2-style IMDSv2
	SourceState     = "state"      // /var/lib/outpost/config.yaml
	SourceDefault   = "default"    // built-in default, not a source
)

// Precedence lists the sources from highest to lowest: a key set by an
// earlier source wins over the same key from a later one.
func Precedence() []string {
	return []string{SourceCmdline, SourceConfigURL, SourceFwCfg, SourceNoCloud, SourceOpenStack, SourceEC2, SourceState}
}

func rank(source string) int {
	if i := slices.Index(Precedence(), source); i >= 0 {
		return i
	}
	return len(Precedence())
}

// Effective is the merged configuration with the layer each key came from.
type Effective struct {
	Config Config
	from   map[string]*Layer
}

// Merge combines layers in the fixed Precedence order, whatever order they
// are given in (unknown source names rank lowest, in the order given). Each
// key is taken from the highest layer that sets it; node_labels and sysctls
// merge entry by entry. Keys no layer sets get their defaults.
func Merge(layers ...*Layer) *Effective {
	sorted := slices.Clone(layers)
	sorted = slices.DeleteFunc(sorted, func(l *Layer) bool { return l == nil })
	slices.SortStableFunc(sorted, func(a, b *Layer) int { return rank(a.Source) - rank(b.Source) })
	acc := NewLayer("")
	from := map[string]*Layer{}
	for i := len(sorted) - 1; i >= 0; i-- {
		l := sorted[i]
		acc.Overlay(l)
		for k := range l.Keys {
			from[k] = l
		}
	}
	e := &Effective{Config: acc.Config, from: from}
	e.oneJoinSecret()
	e.applyDefaults()
	return e
}

// oneJoinSecret keeps token or token_file, whichever the higher source set,
// when two sources set one each; one source setting both stays an error.
func (e *Effective) oneJoinSecret() {
	tl, tok := e.from["token"]
	fl, file := e.from["token_file"]
	if !tok || !file || tl == fl {
		return
	}
	if rank(tl.Source) <= rank(fl.Source) {
		e.Config.TokenFile = ""
		delete(e.from, "token_file")
		return
	}
	e.Config.Token = ""
	delete(e.from, "token")
}

func (e *Effective) applyDefaults() {
	if e.Config.DataDir == "" {
		e.Config.DataDir = DefaultDataDir
		e.from["data_dir"] = &Layer{Source: SourceDefault}
	}
}

// Source names where the key (a top-level key, or "node_labels.NAME") came
// from, as "nocloud (/dev/sr0)", "default", or "" when it is unset.
func (e *Effective) Source(key string) string {
	l, ok := e.from[key]
	if !ok {
		return ""
	}
	if l.Origin != "" {
		return l.Source + " (" + l.Origin + ")"
	}
	return l.Source
}

// Warnings gathers the warnings of every layer that contributed.
func (e *Effective) Warnings() []Warning {
	seen := map[*Layer]bool{}
	var out []Warning
	for _, l := range e.layers() {
		if !seen[l] {
			seen[l] = true
			out = append(out, l.Warnings...)
		}
	}
	return out
}

func (e *Effective) layers() []*Layer {
	out := make([]*Layer, 0, len(e.from))
	for _, l := range e.from {
		out = append(out, l)
	}
	slices.SortStableFunc(out, func(a, b *Layer) int { return strings.Compare(a.Source, b.Source) })
	return out
}

// Validate checks the merged configuration and names, for each problem, the
// source and line the offending key came from.
func (e *Effective) Validate() Errors {
	errs := Validate(&e.Config)
	for i := range errs {
		key := mergeKey(errs[i].Path)
		l, ok := e.from[key]
		if !ok {
			continue
		}
		errs[i].Source = l.Source
		if l.Origin != "" {
			errs[i].Source += " (" + l.Origin + ")"
		}
		errs[i].Line = lineOf(l, errs[i].Path)
	}
	return errs
}

// mergeKey maps a key path to the key the merge tracks.
func mergeKey(path string) string {
	top := path
	if i := strings.IndexAny(path, ".["); i >= 0 {
		top = path[:i]
	}
	if isStringMap(top) && len(path) > len(top) && path[len(top)] == '.' {
		return path
	}
	return top
}

// lineOf finds the line of path in the layer, or of its nearest parent.
func lineOf(l *Layer, path string) int {
	for p := path; p != ""; p = parent(p) {
		if line, ok := l.Lines[p]; ok && line > 0 {
			return line
		}
	}
	return 0
}

func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i <= 0 {
		return ""
	}
	return path[:i]
}
