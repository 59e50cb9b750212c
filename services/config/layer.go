package config

import "strings"

// Layer is a partial configuration from one source. Keys holds the keys
// the source set (top-level keys, or "node_labels.NAME" / "sysctls.NAME"
// for map entries) with their line; Lines holds the line of every key path
// for error messages. Lines are 0 when the source is not YAML text.
type Layer struct {
	Source   string // the precedence name, e.g. SourceNoCloud
	Origin   string // where exactly: a device, a URL, a file
	Config   Config
	Keys     map[string]int
	Lines    map[string]int
	Warnings []Warning
}

// NewLayer returns an empty layer of the source.
func NewLayer(source string) *Layer {
	return &Layer{Source: source, Keys: map[string]int{}, Lines: map[string]int{}}
}

// LayerOf makes a layer from a configuration built in code: every non-empty
// key counts as set.
func LayerOf(source string, c Config) *Layer {
	l := NewLayer(source)
	l.Config = c
	for _, f := range fields() {
		if f.isSet(&c) {
			l.Keys[f.key] = 0
		}
	}
	for name, get := range mapFields() {
		for k := range *get(&c) {
			l.Keys[name+"."+k] = 0
		}
	}
	return l
}

// Empty tells whether the layer sets no key.
func (l *Layer) Empty() bool { return len(l.Keys) == 0 }

// Overlay sets every key that top sets onto l, top winning. Sources use it
// to combine their own parts (meta-data under user-data).
func (l *Layer) Overlay(top *Layer) {
	maps := mapFields()
	for _, f := range fields() {
		if line, ok := top.Keys[f.key]; ok {
			f.copy(&l.Config, &top.Config)
			l.Keys[f.key] = line
			l.copyLines(top, f.key)
		}
	}
	for key, line := range top.Keys {
		name, entry, ok := strings.Cut(key, ".")
		get, isMap := maps[name]
		if !ok || !isMap {
			continue
		}
		dst := get(&l.Config)
		if *dst == nil {
			*dst = map[string]string{}
		}
		(*dst)[entry] = (*get(&top.Config))[entry]
		l.Keys[key] = line
		l.copyLines(top, key)
	}
	l.Warnings = append(l.Warnings, top.Warnings...)
	if l.Origin == "" {
		l.Origin = top.Origin
	}
}

func (l *Layer) copyLines(top *Layer, key string) {
	for p := range l.Lines {
		if under(p, key) {
			delete(l.Lines, p)
		}
	}
	for p, line := range top.Lines {
		if under(p, key) {
			l.Lines[p] = line
		}
	}
}

// under tells whether path is key or below it.
func under(path, key string) bool {
	if !strings.HasPrefix(path, key) {
		return false
	}
	rest := path[len(key):]
	return rest == "" || rest[0] == '.' || rest[0] == '['
}
