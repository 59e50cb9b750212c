package slots

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// ESP is a mounted EFI system partition.
type ESP struct{ Dir string }

func (p ESP) path(name string) string { return filepath.Join(p.Dir, filepath.FromSlash(name)) }

// Entries reads the Outpost entries, in the order systemd-boot boots
// them: those with tries left (or no counter) first, the newest install
// first.
func (p ESP) Entries() ([]Entry, error) {
	files, err := os.ReadDir(p.path(EntriesDir))
	if err != nil {
		return nil, fmt.Errorf("read the boot entries: %w", err)
	}
	var out []Entry
	for _, f := range files {
		if _, ok := ParseName(f.Name()); !ok || f.IsDir() {
			continue
		}
		text, err := os.ReadFile(p.path(EntriesDir + "/" + f.Name()))
		if err != nil {
			return nil, fmt.Errorf("read the boot entry %s: %w", f.Name(), err)
		}
		e, _ := ParseEntry(f.Name(), string(text))
		out = append(out, e)
	}
	Sort(out)
	return out, nil
}

// Sort orders entries as systemd-boot does for entries without a sort
// key: spent ones last, then by name, highest version first.
func Sort(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if (a.Left == 0) != (b.Left == 0) {
			return b.Left == 0
		}
		if a.Gen != b.Gen {
			return a.Gen > b.Gen
		}
		return a.Slot > b.Slot
	})
}

// Find returns the entry of slot among es.
func Find(es []Entry, slot string) (Entry, bool) {
	for _, e := range es {
		if e.Slot == slot {
			return e, true
		}
	}
	return Entry{}, false
}

// Bless marks a boot good: the entry loses its counter.
func (p ESP) Bless(e Entry) (Entry, error) {
	good := e
	good.Left, good.Done = -1, 0
	return good, p.rename(e, good)
}

// Fail marks an entry as spent, so the boot loader leaves it for the
// other slot; it keeps the tries it made.
func (p ESP) Fail(e Entry) (Entry, error) {
	bad := e
	bad.Left = 0
	return bad, p.rename(e, bad)
}

func (p ESP) rename(from, to Entry) error {
	if from.FileName() == to.FileName() {
		return nil
	}
	if err := os.Rename(p.path(from.Path()), p.path(to.Path())); err != nil {
		return fmt.Errorf("rename boot entry %s to %s: %w", from.FileName(), to.FileName(), err)
	}
	if err := atomicfile.SyncDir(p.path(EntriesDir)); err != nil {
		return fmt.Errorf("rename boot entry %s: %w", from.FileName(), err)
	}
	return nil
}

// remove deletes every entry of slot among es (the ESP's), so the boot
// loader cannot pick it while its files change.
func (p ESP) remove(es []Entry, slot string) error {
	for _, e := range es {
		if e.Slot != slot {
			continue
		}
		if err := os.Remove(p.path(e.Path())); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove boot entry %s: %w", e.FileName(), err)
		}
	}
	return atomicfile.SyncDir(p.path(EntriesDir))
}

// write puts an entry in place (temporary file, synced, renamed, folder
// synced); the temporary file starts with a dot and does not end in
// .conf, which the boot loader skips.
func (p ESP) write(e Entry) error {
	if err := atomicfile.Write(p.path(e.Path()), []byte(e.Content()), 0o644); err != nil {
		return fmt.Errorf("boot entry: %w", err)
	}
	return nil
}
