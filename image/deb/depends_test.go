package deb

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseDepends(t *testing.T) {
	got := ParseDepends("libc6 (>= 2.34), libmnl0 (>=1.0.3-4~), debconf (>= 0.5) | debconf-2.0, python3:any, foo [amd64] <!nocheck>, , |")
	want := [][]Dep{
		{{Name: "libc6", Op: ">=", Version: "2.34"}},
		{{Name: "libmnl0", Op: ">=", Version: "1.0.3-4~"}},
		{{Name: "debconf", Op: ">=", Version: "0.5"}, {Name: "debconf-2.0"}},
		{{Name: "python3", Arch: "any"}},
		{{Name: "foo"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseDepends =\n%+v\nwant\n%+v", got, want)
	}
	if got := ParseDepends(""); len(got) != 0 {
		t.Errorf("empty field: %+v", got)
	}
}

func FuzzParseDepends(f *testing.F) {
	f.Add("libc6 (>= 2.34), libip4tc2 (= 1.8.9-2), a | b:any (<< 3) [!i386] <!stage1>")
	f.Add("(((, [[ <<< |||")
	f.Add("x (")
	f.Fuzz(func(t *testing.T, field string) {
		for _, alts := range ParseDepends(field) {
			if len(alts) == 0 {
				t.Fatalf("empty entry from %q", field)
			}
			for _, d := range alts {
				if d.Name == "" || strings.ContainsAny(d.Name, " ,|()") {
					t.Fatalf("bad name %q from %q", d.Name, field)
				}
			}
		}
	})
}
