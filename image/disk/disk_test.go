package disk

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/services/slots"
)

var epoch = time.Unix(1767225600, 0) // 2026-01-01

func randomFile(t *testing.T, dir, name string, size int) string {
	t.Helper()
	b := make([]byte, size)
	rand.Read(b)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// inputs makes stand-ins for the kernel, initrd, root image and
// systemd-boot, and a real state file system.
func inputs(t *testing.T, b board.Board) Input {
	t.Helper()
	dir := t.TempDir()
	in := Input{Board: b, Version: "v1.2.3",
		Kernel: randomFile(t, dir, "kernel", 3<<20+17), Initrd: randomFile(t, dir, "initrd", 1<<20+5),
		Root: randomFile(t, dir, "rootfs.squashfs", 5<<20+123), Loader: randomFile(t, dir, "loader.efi", 100<<10),
		State: filepath.Join(dir, "state.img"), Epoch: epoch}
	if err := WriteStateTemplate(context.Background(), b, in.State, epoch); err != nil {
		t.Fatal(err)
	}
	return in
}

func write(t *testing.T, in Input, dir string) (Table, string) {
	t.Helper()
	img := filepath.Join(dir, "disk.img")
	tab, err := Write(context.Background(), in, img)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteBmap(img, img+".bmap"); err != nil {
		t.Fatal(err)
	}
	return tab, img
}

func tool(t *testing.T, name string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s not found: make deps installs it", name)
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestWriteLayoutESPStateBmap(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	b, _ := board.Lookup("qemu-x86_64")
	in := inputs(t, b)
	tab, img := write(t, in, t.TempDir())

	got, err := ReadTable(img)
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := Plan(b)
	if len(got.Partitions) != 4 || got.UUID != plan.UUID || got.Size != tab.Size {
		t.Fatalf("table read back = %+v, want %+v", got, plan)
	}
	for i, p := range got.Partitions {
		want := plan.Partitions[i]
		if p.Name != want.Name || !strings.EqualFold(p.Type, want.Type) || p.Start != want.Start || p.Size != want.Size || p.UUID != want.UUID {
			t.Errorf("partition %d = %+v, want %+v", i+1, p, want)
		}
		if p.Start%board.DiskAlign != 0 {
			t.Errorf("partition %s starts at %d, not aligned", p.Name, p.Start)
		}
	}
	if out := tool(t, "sgdisk", "-v", img); !strings.Contains(out, "No problems found") {
		t.Errorf("sgdisk -v: %s", out)
	}

	esp, _ := tab.Find(board.PartESP)
	tool(t, "fsck.vfat", "-n", extract(t, img, esp))
	checkESP(t, img, in)

	state, _ := tab.Find(board.PartState)
	stateImg := extract(t, img, state)
	tool(t, "e2fsck", "-fn", stateImg)
	if out := tool(t, "dumpe2fs", "-h", stateImg); !strings.Contains(out, "volume name:   "+StateLabel) {
		t.Errorf("state file system label: %s", out)
	}

	rootA, _ := tab.Find(board.PartRootA)
	if !bytes.Equal(readRange(t, img, rootA.Start, fileSize(t, in.Root)), mustRead(t, in.Root)) {
		t.Error("slot A does not hold the root image")
	}

	// bmaptool copies the mapped blocks and checks their sums; the copy
	// reads the same as the image.
	copied := filepath.Join(t.TempDir(), "flashed.img")
	tool(t, "bmaptool", "copy", "--bmap", img+".bmap", img, copied)
	tool(t, "cmp", img, copied)
	if bm := string(mustRead(t, img+".bmap")); !strings.Contains(bm, "<BlockSize> 4096 </BlockSize>") {
		t.Errorf("bmap: %s", bm[:200])
	}
}

func TestWriteIsReproducible(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600")
	b, _ := board.Lookup("qemu-arm64")
	in := inputs(t, b)
	_, one := write(t, in, t.TempDir())
	in2 := in
	in2.State = filepath.Join(t.TempDir(), "state.img")
	if err := WriteStateTemplate(context.Background(), b, in2.State, epoch); err != nil {
		t.Fatal(err)
	}
	_, two := write(t, in2, t.TempDir())
	tool(t, "cmp", one, two)
	tool(t, "cmp", one+".bmap", two+".bmap")
}

func TestRootLargerThanSlot(t *testing.T) {
	b, _ := board.Lookup("qemu-x86_64")
	in := inputs(t, b)
	big := filepath.Join(t.TempDir(), "big.squashfs")
	f, _ := os.Create(big)
	f.Truncate(board.SlotSize + 1)
	f.Close()
	in.Root = big
	dir := t.TempDir()
	_, err := Write(context.Background(), in, filepath.Join(dir, "disk.img"))
	if err == nil || !strings.Contains(err.Error(), "larger than its slot") {
		t.Fatalf("oversized root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "disk.img")); !os.IsNotExist(err) {
		t.Error("a failed write left disk.img behind")
	}
}

func TestAppendOptions(t *testing.T) {
	b, _ := board.Lookup("qemu-x86_64")
	in := inputs(t, b)
	_, img := write(t, in, t.TempDir())
	if err := AppendOptions(context.Background(), img, []string{"outpost.console=off"}); err != nil {
		t.Fatal(err)
	}
	if err := AppendOptions(context.Background(), img, []string{"outpost.console=on", "quiet"}); err != nil {
		t.Fatal(err)
	}
	entry := readESPFile(t, img, EntriesDir+"/outpost-1-a.conf")
	want := "options root=PARTLABEL=outpost-root-a console=ttyS0 panic=10 outpost.console=on quiet\n"
	if !strings.Contains(entry, want) {
		t.Errorf("entry after two edits:\n%s\nwant the line %q", entry, want)
	}
}

func TestMergeOptions(t *testing.T) {
	got := MergeOptions("root=PARTLABEL=x console=ttyS0 outpost.console=off", []string{"outpost.console=on", "console=ttyS1"})
	if got != "root=PARTLABEL=x outpost.console=on console=ttyS1" {
		t.Errorf("MergeOptions = %q", got)
	}
}

func checkESP(t *testing.T, img string, in Input) {
	t.Helper()
	files := map[string]string{BootLoaderPath("x64"): in.Loader, slots.KernelPath("a"): in.Kernel, slots.InitrdPath("a"): in.Initrd}
	for p, src := range files {
		if readESPFile(t, img, p) != string(mustRead(t, src)) {
			t.Errorf("ESP %s differs from %s", p, src)
		}
	}
	conf := readESPFile(t, img, LoaderConf)
	if strings.Contains(conf, "default") || !strings.Contains(conf, "editor no") {
		t.Errorf("loader.conf:\n%s", conf)
	}
	entry := readESPFile(t, img, EntriesDir+"/outpost-1-a.conf")
	for _, want := range []string{"linux /outpost/a/kernel\n", "initrd /outpost/a/initrd\n", "version v1.2.3\n",
		"options root=PARTLABEL=outpost-root-a console=ttyS0 panic=10\n"} {
		if !strings.Contains(entry, want) {
			t.Errorf("entry lacks %q:\n%s", want, entry)
		}
	}
}

func readESPFile(t *testing.T, img, p string) string {
	t.Helper()
	data, err := ReadESPFile(context.Background(), img, p)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// extract copies a partition into a sparse file of its own for the
// checkers.
func extract(t *testing.T, img string, p Partition) string {
	t.Helper()
	in, err := os.Open(img)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out := filepath.Join(t.TempDir(), p.Name+".img")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf, zero := make([]byte, 1<<20), make([]byte, 1<<20)
	for off := int64(0); off < p.Size; off += int64(len(buf)) {
		n, err := in.ReadAt(buf, p.Start+off)
		if err != nil && err != io.EOF {
			t.Fatal(err)
		}
		if !bytes.Equal(buf[:n], zero[:n]) {
			if _, err := f.WriteAt(buf[:n], off); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := f.Truncate(p.Size); err != nil {
		t.Fatal(err)
	}
	return out
}

func readRange(t *testing.T, path string, off, n int64) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	return b
}

func fileSize(t *testing.T, p string) int64 {
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

func mustRead(t *testing.T, p string) []byte {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
