package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Parse reads a configuration in the config.yaml format from YAML text and
// returns it as a layer of the given source. A syntax error, a wrong type or
// an input over MaxSize is returned as Errors with line numbers; unknown keys
// are warnings in the layer.
func Parse(source string, data []byte) (*Layer, error) {
	if len(data) > MaxSize {
		return nil, Errors{{Source: source, Msg: fmt.Sprintf("%d bytes is over the %d byte limit", len(data), MaxSize)}}
	}
	root, err := ParseYAML(source, data)
	if err != nil {
		return nil, err
	}
	if root == nil {
		return NewLayer(source), nil
	}
	return ParseNode(source, root)
}

// ParseYAML parses YAML text into its root node (nil for an empty document),
// turning syntax errors into Errors with the line.
func ParseYAML(source string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, YAMLErrors(source, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// ParseNode decodes a YAML mapping node (the whole file, or the outpost:
// section of a #cloud-config) into a layer.
func ParseNode(source string, n *yaml.Node) (*Layer, error) {
	l := NewLayer(source)
	if n == nil || isNull(n) {
		return l, nil
	}
	if n.Kind != yaml.MappingNode {
		return nil, Errors{{Source: source, Line: n.Line, Msg: "the configuration must be a YAML mapping of keys to values (key: value); user-data must start with #cloud-config"}}
	}
	normalize(n)
	w := walker{layer: l}
	w.walk(n, reflect.TypeFor[Config](), "")
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if isNull(v) || !w.known(k.Value) {
			continue
		}
		if v.Kind == yaml.MappingNode && isStringMap(k.Value) {
			for j := 0; j+1 < len(v.Content); j += 2 {
				l.Keys[k.Value+"."+v.Content[j].Value] = v.Content[j].Line
			}
			continue
		}
		l.Keys[k.Value] = k.Line
	}
	if err := n.Decode(&l.Config); err != nil {
		errs := YAMLErrors(source, err)
		for i := range errs {
			errs[i].Path = pathAtLine(l.Lines, errs[i].Line)
		}
		return nil, errs
	}
	return l, nil
}

// pathAtLine finds the deepest key path on a line, for type errors.
func pathAtLine(lines map[string]int, line int) string {
	best := ""
	for p, l := range lines {
		if l == line && (len(p) > len(best) || (len(p) == len(best) && p < best)) {
			best = p
		}
	}
	return best
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// YAMLErrors turns an error of go.yaml.in/yaml/v3 into Errors, one per
// message, with the line and Go type names made readable.
func YAMLErrors(source string, err error) Errors {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	out := make(Errors, 0, len(msgs))
	for _, m := range msgs {
		fe := FieldError{Source: source, Msg: strings.TrimPrefix(m, "yaml: ")}
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			fe.Line, _ = strconv.Atoi(sm[1])
			fe.Msg = sm[2]
		}
		fe.Msg = readableType(fe.Msg)
		out = append(out, fe)
	}
	return out
}

// walker records the line of every key and warns about unknown ones.
type walker struct {
	layer *Layer
}

func (w walker) known(key string) bool {
	_, ok := yamlFields(reflect.TypeFor[Config]())[key]
	return ok
}

func (w walker) walk(n *yaml.Node, t reflect.Type, path string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if path != "" {
		w.layer.Lines[path] = n.Line
	}
	switch {
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields := yamlFields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			ft, ok := fields[k.Value]
			if !ok {
				w.layer.Warnings = append(w.layer.Warnings, Warning{Source: w.layer.Source, Line: k.Line, Path: p, Msg: "unknown key, ignored"})
				continue
			}
			w.layer.Lines[p] = k.Line
			w.walk(v, ft, p)
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Map:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := join(path, k.Value)
			w.layer.Lines[p] = k.Line
			w.walk(v, t.Elem(), p)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for i, item := range n.Content {
			w.walk(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// yamlFields maps the YAML key names of a struct type to their field types.
func yamlFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		out[name] = f.Type
	}
	return out
}

var intoRE = regexp.MustCompile(`^cannot unmarshal (!!\w+)( .*)? into (.+)$`)

// readableType rewrites "cannot unmarshal !!seq into map[string]struct {...}"
// as "a list cannot be a mapping".
func readableType(msg string) string {
	m := intoRE.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	value := map[string]string{"!!seq": "a list", "!!map": "a mapping", "!!str": "the string", "!!int": "the number",
		"!!bool": "the boolean", "!!float": "the number", "!!null": "null"}[m[1]]
	if value == "" {
		value = m[1]
	}
	return strings.TrimSpace(value+m[2]) + " cannot be " + goTypeName(m[3])
}

func goTypeName(t string) string {
	switch {
	case strings.HasPrefix(t, "map[") || strings.HasPrefix(t, "struct") || strings.HasPrefix(t, "config.") && !strings.HasPrefix(t, "config.Role"):
		return "a mapping"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case t == "string" || t == "config.Role":
		return "a string"
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	}
	return t
}
