package vm

import (
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/disk"
	"github.com/outpost-os/outpost/services/slots"
)

// Slot is what a test writes into a slot of a powered-off disk image, as
// an upgrade on the node would: the image folder's kernel, initrd and
// root (Initrd and Root, when set, replace the initrd and the root
// image), and an entry of install generation Gen with Tries boots,
// labelled Version.
type Slot struct {
	Slot, Version string
	Gen, Tries    int
	Initrd, Root  string
}

// InstallSlot writes s into img from imageDir: the slot's root partition,
// its kernel and initrd on the ESP, its old entries removed and the new
// one written with slot A's kernel command line.
func InstallSlot(t testing.TB, img, imageDir string, s Slot) {
	t.Helper()
	tab, err := gpt.ReadFile(img)
	if err != nil {
		t.Fatal(err)
	}
	root, err := tab.Find(board.RootPartition(s.Slot))
	if err != nil {
		t.Fatal(err)
	}
	rootFile := s.Root
	if rootFile == "" {
		rootFile = filepath.Join(imageDir, image.RootFile)
	}
	writeAt(t, img, root.Start, rootFile)
	target := espTarget(t, img)
	mtools := func(args ...string) string {
		out, err := exec.Command(args[0], append([]string{"-i", target}, args[1:]...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	first := firstEntry(t, img)
	for _, e := range entries(t, target) {
		if e.Slot == s.Slot {
			mtools("mdel", "::"+e.Path())
		}
	}
	initrd := s.Initrd
	if initrd == "" {
		initrd = filepath.Join(imageDir, image.InitrdFile)
	}
	exec.Command("mmd", "-i", target, "::/outpost/"+s.Slot).Run() // there already after the first install
	mtools("mcopy", "-o", filepath.Join(imageDir, image.KernelFile), "::"+slots.KernelPath(s.Slot))
	mtools("mcopy", "-o", initrd, "::"+slots.InitrdPath(s.Slot))
	e := slots.Entry{Gen: s.Gen, Slot: s.Slot, Left: s.Tries, Version: s.Version, Options: slots.WithRoot(first.Options, s.Slot)}
	file := filepath.Join(t.TempDir(), e.FileName())
	WriteFile(t, file, e.Content())
	mtools("mcopy", "-o", file, "::"+e.Path())
}

// firstEntry is slot A's entry as flashed (with the test's options).
func firstEntry(t testing.TB, img string) slots.Entry {
	t.Helper()
	first := slots.Entry{Gen: 1, Slot: "a", Left: -1}
	text, err := disk.ReadESPFile(context.Background(), img, first.Path())
	if err != nil {
		t.Fatal(err)
	}
	e, _ := slots.ParseEntry(first.FileName(), string(text))
	return e
}

// Entries lists the Outpost entries of a powered-off disk image, in the
// order the boot loader tries them.
func Entries(t testing.TB, img string) []string {
	t.Helper()
	es := entries(t, espTarget(t, img))
	slots.Sort(es)
	var names []string
	for _, e := range es {
		names = append(names, e.FileName())
	}
	return names
}

// entries lists the Outpost entries of the ESP target (mtools' name).
func entries(t testing.TB, target string) []slots.Entry {
	t.Helper()
	out, err := exec.Command("mdir", "-b", "-i", target, "::"+slots.EntriesDir).CombinedOutput()
	if err != nil {
		t.Fatalf("mdir: %v\n%s", err, out)
	}
	var es []slots.Entry
	for _, name := range strings.Fields(string(out)) {
		if e, ok := slots.ParseName(filepath.Base(name)); ok {
			es = append(es, e)
		}
	}
	return es
}

// espTarget is the ESP of a disk image as mtools names it.
func espTarget(t testing.TB, img string) string {
	t.Helper()
	target, err := disk.ESPTarget(img)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// Junk is a file of 1 MiB of random bytes: as an initrd the kernel finds
// no init in it and panics; as a root image stage 1 cannot mount it.
func Junk(t testing.TB) string {
	t.Helper()
	junk := make([]byte, 1<<20)
	rand.Read(junk)
	path := filepath.Join(t.TempDir(), "junk")
	if err := os.WriteFile(path, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeAt copies the file src into img at offset off.
func writeAt(t testing.TB, img string, off int64, src string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(img, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(data, off); err != nil {
		t.Fatal(err)
	}
}
