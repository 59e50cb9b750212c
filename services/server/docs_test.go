package server

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/agent"
)

// TestDocsShowTheStartGraphs proves that the start order the docs show is
// the one the supervisor runs: each doc quotes --print-services.
func TestDocsShowTheStartGraphs(t *testing.T) {
	var srv, agt bytes.Buffer
	o, err := parseOptions([]string{"--config", "", "--print-services"}, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := PrintServices(&srv, o); err != nil {
		t.Fatal(err)
	}
	if err := agent.PrintServices(&agt, agent.NewOptions()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ doc, graph string }{
		{"server.md", srv.String()}, {"architecture.md", srv.String()},
		{"agent.md", agt.String()}, {"architecture.md", agt.String()},
	} {
		data, err := os.ReadFile("../../docs/" + c.doc)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(unindent(string(data)), c.graph) {
			t.Errorf("docs/%s does not show the start graph; paste it from --print-services:\n%s", c.doc, c.graph)
		}
	}
}

// unindent strips the leading blanks of every line (a block inside a
// list item is indented).
func unindent(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimLeft(l, " ")
	}
	return strings.Join(lines, "\n")
}
