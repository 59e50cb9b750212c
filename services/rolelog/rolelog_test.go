package rolelog

import (
	"bytes"
	"strings"
	"testing"
)

func TestConsoleGetsInfoAndAboveWithPrefix(t *testing.T) {
	var console bytes.Buffer
	log := New("agent", &console)
	log.Debug("hidden detail")
	log.Info("joined the cluster", "node", "edge-1")
	log.Error("cannot join", "err", "401")
	out := console.String()
	if strings.Contains(out, "hidden detail") {
		t.Errorf("debug reached the console:\n%s", out)
	}
	for _, want := range []string{"outpost: agent: ", "joined the cluster", "node=edge-1", "cannot join", "err=401"} {
		if !strings.Contains(out, want) {
			t.Errorf("console lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "outpost: agent: joined the cluster node=edge-1\n") {
		t.Errorf("console line not in its short form:\n%s", out)
	}
	if strings.Contains(out, "time=") || strings.Contains(out, "role=") {
		t.Errorf("console lines carry time or role attributes:\n%s", out)
	}
	if n := strings.Count(out, "outpost: agent: "); n != 2 {
		t.Errorf("%d console lines, want 2:\n%s", n, out)
	}
}

func TestConsoleFromEnvironment(t *testing.T) {
	t.Setenv(EnvConsole, "")
	if Console() != nil {
		t.Error("a console without $OUTPOST_CONSOLE")
	}
	t.Setenv(EnvConsole, "/nonexistent/console")
	if Console() != nil {
		t.Error("a console that cannot be opened")
	}
}
