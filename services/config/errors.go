package config

import (
	"fmt"
	"strings"
)

// FieldError is one problem with one key. Line is the 1-based line in the
// source text when the key came from YAML, 0 otherwise.
type FieldError struct {
	Source string // the metadata source, e.g. "nocloud"; empty when unknown
	Line   int
	Path   string // key path, e.g. "network.interfaces[0].addresses[1]"
	Msg    string
	// Missing marks a required key that is not set: another source may
	// still set it, so `outpost config check --partial` skips these.
	Missing bool
}

func (e FieldError) Error() string {
	var b strings.Builder
	if e.Source != "" {
		b.WriteString(e.Source)
		b.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found at once, in the order found.
type Errors []FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Err returns es as an error, or nil when it is empty.
func (es Errors) Err() error {
	if len(es) == 0 {
		return nil
	}
	return es
}

// Warning is a problem that does not stop the configuration from being used,
// such as an unknown key.
type Warning = FieldError
