package vm

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
)

// Images returns the folder holding an image per board: $OUTPOST_IMAGES
// when set (make test builds them once and shares them), otherwise
// build/test-images under the module root, built now for the given
// boards (zstd, to be quick).
func Images(ctx context.Context, boards ...string) (string, error) {
	if dir := os.Getenv("OUTPOST_IMAGES"); dir != "" {
		return dir, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "build", "test-images")
	for _, name := range boards {
		if err := buildImage(ctx, root, dir, name); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func buildImage(ctx context.Context, root, dir, name string) error {
	b, err := board.Lookup(name)
	if err != nil {
		return err
	}
	bins := filepath.Join(root, "build", "bin", b.GoArch)
	full, initBin := filepath.Join(bins, "outpost"), filepath.Join(bins, "outpost-initramfs")
	if err := goBuild(ctx, root, b.GoArch, full, ""); err != nil {
		return err
	}
	if err := goBuild(ctx, root, b.GoArch, initBin, "initramfs"); err != nil {
		return err
	}
	_, err = image.Build(ctx, image.Options{Board: b, Out: filepath.Join(dir, name),
		Cache: filepath.Join(root, "build", "cache"), Binary: full, InitBinary: initBin, Compression: "zstd"})
	return err
}

func goBuild(ctx context.Context, root, arch, out, tags string) error {
	args := []string{"build", "-trimpath", "-ldflags=-s -w", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/outpost")...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build for %s: %v: %s", arch, err, out)
	}
	return nil
}

func moduleRoot() (string, error) {
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
