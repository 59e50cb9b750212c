package vm

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// SourceDateEpoch is the epoch make stamps images with: $SOURCE_DATE_EPOCH
// (make exports it), or the commit's time as the Makefile computes it.
func SourceDateEpoch() (string, error) {
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		return v, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	out, err := exec.Command("git", "-C", root, "log", "-1", "--format=%ct").Output()
	if err != nil {
		return "", fmt.Errorf("the commit's time (git log): %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}
