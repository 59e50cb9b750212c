package slots

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Target is where an image is installed: the ESP, and the root
// partition's device of the slot that is not running.
type Target struct {
	ESP ESP
	// Slot is the slot written; Root is its root partition's device.
	Slot string
	Root string
	// Board and Arch are the node's, which the image must be for.
	Board, Arch string
}

// Install writes im into the target slot and gives it an entry with
// tries boots to become healthy, ahead of running (the booted entry,
// whose kernel command line the new one keeps). The image is verified
// before anything is written. A power cut at any point leaves a disk
// that boots: the target slot's entry goes first, its files are written
// and synced, and the new entry comes last, as one rename.
func Install(ctx context.Context, im Image, t Target, running Entry, tries int) (Entry, error) {
	if t.Slot == running.Slot {
		return Entry{}, fmt.Errorf("install into slot %s: that is the running slot", t.Slot)
	}
	if running.Counts() {
		return Entry{}, fmt.Errorf("install into slot %s: the running %s is not marked good yet; wait until it is healthy", t.Slot, running.DescribeTry())
	}
	if err := im.Check(t.Board, t.Arch); err != nil {
		return Entry{}, err
	}
	if err := checkFits(t.Root, im.Manifest.Artifacts[RootFile].Size); err != nil {
		return Entry{}, err
	}
	if err := im.Verify(ctx); err != nil {
		return Entry{}, err
	}
	entries, err := t.ESP.Entries()
	if err != nil {
		return Entry{}, err
	}
	if err := t.ESP.remove(entries, t.Slot); err != nil {
		return Entry{}, err
	}
	if err := im.writeRoot(ctx, t.Root); err != nil {
		return Entry{}, err
	}
	for name, dst := range map[string]string{KernelFile: KernelPath(t.Slot), InitrdFile: InitrdPath(t.Slot)} {
		if err := im.writeESPFile(ctx, t.ESP.path(dst), name); err != nil {
			return Entry{}, err
		}
	}
	e := Entry{Gen: nextGen(entries), Slot: t.Slot, Left: tries, Version: im.Manifest.Version, Options: WithRoot(running.Options, t.Slot)}
	if err := t.ESP.write(e); err != nil {
		return Entry{}, err
	}
	return e, nil
}

func nextGen(es []Entry) int {
	gen := 0
	for _, e := range es {
		gen = max(gen, e.Gen)
	}
	return gen + 1
}

// checkFits refuses a root image larger than the slot's partition.
func checkFits(dev string, size int64) error {
	f, err := os.Open(dev)
	if err != nil {
		return fmt.Errorf("slot root %s: %w", dev, err)
	}
	defer f.Close()
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("slot root %s: %w", dev, err)
	}
	if size > end {
		return fmt.Errorf("the root image is %d bytes, larger than the slot's partition %s (%d bytes)", size, dev, end)
	}
	return nil
}

// writeRoot copies the root image onto the slot's partition and syncs it.
func (im Image) writeRoot(ctx context.Context, dev string) error {
	src, err := os.Open(filepath.Join(im.Dir, RootFile))
	if err != nil {
		return fmt.Errorf("image %s: %w", im.Dir, err)
	}
	defer src.Close()
	dst, err := os.OpenFile(dev, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("slot root %s: %w", dev, err)
	}
	defer dst.Close()
	if err := im.copyChecked(ctx, dst, src, RootFile); err != nil {
		return fmt.Errorf("write slot root %s: %w", dev, err)
	}
	if err := dst.Sync(); err != nil {
		return fmt.Errorf("write slot root %s: sync: %w", dev, err)
	}
	return nil
}

// writeESPFile writes the image's file name to path on the ESP, through
// a temporary file.
func (im Image) writeESPFile(ctx context.Context, path, name string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	src, err := os.Open(filepath.Join(im.Dir, name))
	if err != nil {
		return fmt.Errorf("image %s: %w", im.Dir, err)
	}
	defer src.Close()
	dst, err := atomicfile.Create(path, 0o644)
	if err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	defer dst.Abort()
	if err := im.copyChecked(ctx, dst, src, name); err != nil {
		return err
	}
	return dst.Commit()
}
