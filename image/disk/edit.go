package disk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
)

// ReadTable reads the GPT of a disk image (or a disk).
func ReadTable(img string) (Table, error) { return gpt.ReadFile(img) }

// ReadESPFile returns a file of the disk image's ESP.
func ReadESPFile(ctx context.Context, img, name string) ([]byte, error) {
	target, err := espOf(img)
	if err != nil {
		return nil, err
	}
	out, err := run(ctx, nil, "mtype", "-i", target, "::"+name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", img, err)
	}
	return out, nil
}

// AppendOptions adds words to the kernel command line of every Outpost
// loader entry on the disk image's ESP, as a person editing the entries
// would (MergeOptions: a word replaces one with the same key). They stay
// on the disk until changed again.
func AppendOptions(ctx context.Context, img string, extra []string) error {
	if len(extra) == 0 {
		return nil
	}
	target, err := espOf(img)
	if err != nil {
		return err
	}
	list, err := run(ctx, nil, "mdir", "-b", "-i", target, "::"+EntriesDir)
	if err != nil {
		return fmt.Errorf("%s: %w", img, err)
	}
	staging, err := os.MkdirTemp("", "outpost-entry-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(staging)
	for _, name := range strings.Fields(string(list)) {
		base := filepath.Base(name)
		if !strings.HasPrefix(base, "outpost-") || !strings.HasSuffix(base, ".conf") {
			continue
		}
		if err := editEntry(ctx, target, EntriesDir+"/"+base, filepath.Join(staging, base), extra); err != nil {
			return fmt.Errorf("%s: %w", img, err)
		}
	}
	return nil
}

func editEntry(ctx context.Context, target, name, tmp string, extra []string) error {
	data, err := run(ctx, nil, "mtype", "-i", target, "::"+name)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, "options "); ok {
			lines[i] = "options " + MergeOptions(rest, extra)
		}
	}
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	_, err = run(ctx, nil, "mcopy", "-o", "-i", target, tmp, "::"+name)
	return err
}

// ESPTarget is mtools' name (IMG@@OFFSET) of a disk image's ESP, for
// tools that read or change it on the powered-off image.
func ESPTarget(img string) (string, error) { return espOf(img) }

// espOf finds the ESP of a disk image by its GPT name.
func espOf(img string) (string, error) {
	t, err := ReadTable(img)
	if err != nil {
		return "", fmt.Errorf("%s: %w", img, err)
	}
	esp, err := t.Find(board.PartESP)
	if err != nil {
		return "", fmt.Errorf("%s: %w", img, err)
	}
	return espTarget(img, esp), nil
}
