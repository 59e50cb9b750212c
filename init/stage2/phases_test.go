package stage2

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestMaintenanceRerunsFromNetwork proves that leaving maintenance mode
// runs the boot's own phases from the network on: the late configuration
// gets its network, clock and role like one present at boot.
func TestMaintenanceRerunsFromNetwork(t *testing.T) {
	s := &init2{}
	var names []string
	for _, p := range s.phasesFrom(rerunFrom) {
		names = append(names, p.Name)
	}
	want := []string{"network", "metadata-net", "config", "clock", "services"}
	if !slices.Equal(names, want) {
		t.Errorf("phases run again = %v, want %v", names, want)
	}
	if s.phasesFrom("no-such-phase") != nil {
		t.Error("an unknown phase gave a tail")
	}
}

// TestArchitectureDocListsThePhases keeps docs/architecture.md's line of
// PID 1's phases true to the list the boot runs.
func TestArchitectureDocListsThePhases(t *testing.T) {
	var names []string
	for _, p := range (&init2{}).phases() {
		names = append(names, p.Name)
	}
	want := "PID 1 phases: " + strings.Join(names, " → ")
	data, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), want+"\n") {
		t.Errorf("docs/architecture.md lacks the line\n%s", want)
	}
}
