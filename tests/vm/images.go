package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/board"
)

// Images returns the folder holding an image per board: $OUTPOST_IMAGES
// when set (make test builds them once and shares them), otherwise
// build/test-images under the module root, built now by make test-images
// (the one recipe for test images).
func Images(ctx context.Context, boards ...string) (string, error) {
	if dir := os.Getenv("OUTPOST_IMAGES"); dir != "" {
		return dir, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "test-images")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("make test-images for %v: %v: %s", boards, err, out)
	}
	return filepath.Join(root, "build", "test-images"), nil
}

// Board looks board name up and returns it with its folder under images
// (the folder Images returns).
func Board(t testing.TB, images, name string) (board.Board, string) {
	t.Helper()
	b, err := board.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return b, filepath.Join(images, name)
}

// ModuleRoot is the root of the Outpost checkout the tests run in.
func ModuleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find module root: %w", err)
	}
	return filepath.Dir(strings.TrimSpace(string(out))), nil
}

// Main is the TestMain of the QEMU test packages: it finds or builds the
// images of the boards, stores their folder in *images and runs the tests.
func Main(m interface{ Run() int }, images *string, boards ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	dir, err := Images(ctx, boards...)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build test images: %v\n", err)
		os.Exit(1)
	}
	*images = dir
	os.Exit(m.Run())
}

// HostBinary is the outpost binary for this host (kubectl, kubeconfig):
// $OUTPOST_BIN, or build/outpost under the module root, which make
// test-images builds.
func HostBinary() (string, error) {
	if bin := os.Getenv("OUTPOST_BIN"); bin != "" {
		return bin, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "build", "outpost")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("host binary: %w (make build makes it)", err)
	}
	return bin, nil
}
