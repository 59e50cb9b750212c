// Package server_test runs the built outpost binary as `outpost server
// --disable-agent` on loopback ports in temporary data directories and
// checks the control plane, the datastores, the join API, restarts and the
// refusal of bad input through client-go and the join API client.
package server_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// binary is the outpost binary under test: $OUTPOST_BIN, or one built once
// in TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	if bin := os.Getenv("OUTPOST_BIN"); bin != "" {
		binary = bin
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "outpost-server-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "outpost")
	cmd := exec.Command("go", "build", "-o", binary, "./cmd/outpost")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build outpost:", err)
		return 1
	}
	return m.Run()
}
