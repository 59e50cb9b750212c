package phase

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRunReportsEachPhase(t *testing.T) {
	var out bytes.Buffer
	var order []string
	step := func(name string, err error) Phase {
		return Phase{Name: name, Run: func(context.Context) error {
			order = append(order, name)
			return err
		}}
	}
	opt := step("clock", errors.New("no server answered"))
	opt.Optional = true
	skipped := step("never", nil)
	skipped.When = func() bool { return false }
	res, err := Runner{Out: &out}.Run(context.Background(), []Phase{step("mounts", nil), opt, skipped, step("modules", nil)})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := strings.Join(order, ","); got != "mounts,clock,modules" {
		t.Errorf("order = %s", got)
	}
	if len(res) != 4 || !res[2].Skipped || res[1].Err == nil {
		t.Errorf("results = %+v", res)
	}
	for _, want := range []string{"phase mounts", "ok", "phase clock", "WARN", "no server answered", "phase never", "skipped", "phase modules"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunStopsAtFailedPhase(t *testing.T) {
	var out bytes.Buffer
	ran := false
	phases := []Phase{
		{Name: "root", Run: func(context.Context) error { return errors.New("no device") }},
		{Name: "after", Run: func(context.Context) error { ran = true; return nil }},
	}
	_, err := Runner{Out: &out}.Run(context.Background(), phases)
	if err == nil || !strings.Contains(err.Error(), "phase root: no device") {
		t.Fatalf("err = %v", err)
	}
	if ran {
		t.Error("phase after a failed one ran")
	}
	if !strings.Contains(out.String(), "FAILED") {
		t.Errorf("console lacks FAILED:\n%s", out.String())
	}
}

func TestPanicBecomesError(t *testing.T) {
	var out bytes.Buffer
	phases := []Phase{{Name: "buggy", Optional: true, Run: func(context.Context) error {
		var m map[string]int
		m["x"] = 1
		return nil
	}}}
	res, err := Runner{Out: &out}.Run(context.Background(), phases)
	if err != nil {
		t.Fatalf("optional panic stopped the boot: %v", err)
	}
	if res[0].Err == nil || !strings.Contains(res[0].Err.Error(), "panic") {
		t.Errorf("panic not reported: %+v", res[0])
	}
}
