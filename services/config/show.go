package config

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// Row is one line of `outpost config show`: a key, its value with secrets
// masked, and where it came from.
type Row struct {
	Key    string
	Value  string
	Source string
}

// Masked lists the keys that are set, with secrets (the token, a datastore
// password) masked.
func (e *Effective) Masked() []Row {
	var rows []Row
	for _, f := range fields() {
		if f.isSet(&e.Config) {
			rows = append(rows, Row{Key: f.key, Value: f.render(&e.Config), Source: e.Source(f.key)})
		}
	}
	for _, name := range []string{"node_labels", "sysctls"} {
		m := *mapFields()[name](&e.Config)
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			key := name + "." + k
			rows = append(rows, Row{Key: key, Value: m[k], Source: e.Source(key)})
		}
	}
	return rows
}

// Show writes the masked rows as a table: KEY VALUE SOURCE.
func (e *Effective) Show(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tVALUE\tSOURCE")
	for _, r := range e.Masked() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Key, r.Value, r.Source)
	}
	return tw.Flush()
}
