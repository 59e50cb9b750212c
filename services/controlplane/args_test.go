package controlplane

import (
	"slices"
	"testing"
)

func TestBuildArgsExtraWins(t *testing.T) {
	got, err := buildArgs("x", map[string]string{"b": "1", "a": "2"}, []string{"--b=3", "c=", "v=2"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"--a=2", "--b=3", "--c=", "--v=2"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := buildArgs("x", nil, []string{"novalue"}); err == nil {
		t.Error("an argument without = was accepted")
	}
}
