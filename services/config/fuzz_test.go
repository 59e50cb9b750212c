package config

import (
	"os"
	"path/filepath"
	"testing"

	yaml "go.yaml.in/yaml/v3"
)

func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("a: &a [*a]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := Parse("fuzz", data)
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		e := Merge(l)
		_ = e.Validate()
		_ = e.Masked()
		out, err := yaml.Marshal(&e.Config)
		if err != nil {
			t.Fatalf("marshal a parsed config: %v", err)
		}
		if _, err := Parse("again", out); err != nil {
			t.Fatalf("re-parse of marshalled config: %v\n%s", err, out)
		}
	})
}
