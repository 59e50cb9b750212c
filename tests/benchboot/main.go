// Command benchboot measures, under QEMU on this machine, the time from
// kernel start to Outpost's stage 2 being ready on each board, and in the
// same run the time a minimal static init (mininit) takes to start with the
// same kernel, so the ratio shows what PID 1 costs. It also prints the
// sizes of the image's artifacts. Run it with make bench-boot.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/initramfs"
	"github.com/outpost-os/outpost/image/qemu"
)

func main() {
	runs := flag.Int("runs", 3, "boots of each kind per board")
	boards := flag.String("boards", "qemu-x86_64,qemu-arm64", "boards to measure")
	flag.Parse()
	images := os.Getenv("OUTPOST_IMAGES")
	if images == "" {
		images = "build/images"
	}
	fmt.Printf("%-12s %-9s %10s %10s %7s\n", "board", "what", "median", "min", "ratio")
	for _, name := range strings.Split(*boards, ",") {
		if err := benchBoard(name, filepath.Join(images, name), *runs); err != nil {
			fmt.Fprintf(os.Stderr, "benchboot %s: %v\n", name, err)
			os.Exit(1)
		}
	}
}

func benchBoard(name, dir string, runs int) error {
	b, err := board.Lookup(name)
	if err != nil {
		return err
	}
	m, err := image.ReadManifest(dir)
	if err != nil {
		return err
	}
	mini, err := miniInitrd(b)
	if err != nil {
		return err
	}
	defer os.RemoveAll(filepath.Dir(mini))
	var outpost, minimal []time.Duration
	for i := 0; i < runs; i++ { // interleaved, so both see the same load
		d, err := bootOnce(qemu.FromDir(qemu.Options{Board: b, MemoryMB: 1024}, dir), `outpost: ready: .*, ([0-9.]+)(m?s) since kernel start`)
		if err != nil {
			return fmt.Errorf("outpost boot: %w", err)
		}
		outpost = append(outpost, d)
		o := qemu.FromDir(qemu.Options{Board: b, MemoryMB: 1024}, dir)
		o.Initrd, o.Root = mini, ""
		if d, err = bootOnce(o, `mininit: uptime ([0-9.]+)()`); err != nil {
			return fmt.Errorf("mininit boot: %w", err)
		}
		minimal = append(minimal, d)
	}
	mo, mm := median(outpost), median(minimal)
	fmt.Printf("%-12s %-9s %10s %10s %7.2f\n", name, "outpost", mo, minOf(outpost), float64(mo)/float64(mm))
	fmt.Printf("%-12s %-9s %10s %10s %7.2f\n", name, "mininit", mm, minOf(minimal), 1.0)
	for _, a := range []string{image.KernelFile, image.InitrdFile, image.RootFile} {
		fmt.Printf("%-12s %-22s %8.1f MiB\n", name, a, float64(m.Artifacts[a].Size)/(1<<20))
	}
	return nil
}

// bootOnce boots, waits for the pattern (seconds since kernel start in
// group 1, "m" in group 2 for milliseconds) and ends the VM.
func bootOnce(o qemu.Options, pattern string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	o.Stdout = pw
	o.Monitor = filepath.Join(os.TempDir(), fmt.Sprintf("benchboot-%d.sock", os.Getpid()))
	defer os.Remove(o.Monitor)
	cmd, err := qemu.Command(ctx, o)
	if err != nil {
		return 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	defer func() {
		pr.Close() // QEMU's output copier must not block on a full pipe
		cmd.Process.Kill()
		cmd.Wait()
	}()
	re := regexp.MustCompile(pattern)
	s := bufio.NewScanner(pr)
	for s.Scan() {
		if m := re.FindStringSubmatch(s.Text()); m != nil {
			v, err := strconv.ParseFloat(m[1], 64)
			if err != nil {
				return 0, err
			}
			unit := time.Second
			if m[2] == "ms" {
				unit = time.Millisecond
			}
			return time.Duration(v * float64(unit)), nil
		}
	}
	return 0, fmt.Errorf("console ended without %q", pattern)
}

// miniInitrd builds mininit for the board and packs it as /init.
func miniInitrd(b board.Board) (string, error) {
	dir, err := os.MkdirTemp("", "mininit-")
	if err != nil {
		return "", err
	}
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o755)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(root, "init"), "./tests/benchboot/mininit")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+b.GoArch)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build mininit: %v: %s", err, out)
	}
	initrd := filepath.Join(dir, "initrd")
	return initrd, initramfs.Write(root, initrd, time.Unix(0, 0))
}

func median(d []time.Duration) time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2].Round(10 * time.Millisecond)
}

func minOf(d []time.Duration) time.Duration {
	m := d[0]
	for _, x := range d {
		m = min(m, x)
	}
	return m.Round(10 * time.Millisecond)
}
