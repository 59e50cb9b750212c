package main

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"8G": 8 << 30, "8GiB": 8 << 30, "512M": 512 << 20, "4096": 4096, "1T": 1 << 40} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "G", "-1G", "8X", "1.5G", "99999999999T"} {
		if _, err := parseSize(bad); err == nil || !strings.Contains(err.Error(), "8G") {
			t.Errorf("parseSize(%q) = %v", bad, err)
		}
	}
}

func TestBuildEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	if e, err := buildEpoch(); err != nil || !e.Equal(defaultEpoch) {
		t.Errorf("unset: %v, %v", e, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	if e, err := buildEpoch(); err != nil || !e.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("set: %v, %v", e, err)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	if _, err := buildEpoch(); err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Errorf("bad: %v", err)
	}
}
