package bootparam

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	p, err := Parse(`console=ttyS0 root=/dev/vdb quiet outpost.rootwait=5 outpost.console=on msg="a b c"` + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if p.RootWait != 5*time.Second || !p.Console || p.Root("/dev/vda") != "/dev/vdb" {
		t.Errorf("params = %+v", p)
	}
	if v, _ := p.Get("msg"); v != "a b c" {
		t.Errorf("quoted value = %q", v)
	}
	if _, ok := p.Get("quiet"); !ok {
		t.Error("bare word lost")
	}
}

func TestDefaults(t *testing.T) {
	p, err := Parse("console=ttyS0")
	if err != nil {
		t.Fatal(err)
	}
	if p.RootWait != DefaultRootWait || p.Console || p.Root("/dev/vda") != "/dev/vda" || p.EmergencyReboot != DefaultEmergencyReboot {
		t.Errorf("params = %+v", p)
	}
}

func TestBadValuesNamed(t *testing.T) {
	for _, in := range []string{"outpost.rootwait=soon", "outpost.console=maybe", "outpost.emergency_reboot=-5s"} {
		_, err := Parse(in)
		key, _, _ := strings.Cut(in, "=")
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%s: err = %v", in, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`a="b c" d`, `"`, `outpost.rootwait=1h2m`, "x=\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Parse(s)
	})
}

func TestSplitQuotesAndDoubleDash(t *testing.T) {
	got := Split(`a="b c" d  "e=f g"` + "\n -- single")
	want := []string{"a=b c", "d", "e=f g"}
	if len(got) != len(want) {
		t.Fatalf("%q", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%d: %q want %q", i, got[i], want[i])
		}
	}
}
