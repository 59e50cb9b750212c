package disk

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"time"

	"github.com/outpost-os/outpost/board/gpt"
)

// espLabel is the FAT volume label of the ESP (11 characters at most).
const espLabel = "OUTPOST-ESP"

// The ESP is made with Debian's dosfstools (mkfs.fat, straight into the
// image at the partition's offset) and filled with mtools (mmd, mcopy),
// both on a plain file: go-diskfs v1.9's FAT32 writer gives first-level
// folders a ".." entry that points at the root's cluster instead of 0,
// which fsck.fat reports as an error, and firmware is the last place to
// test a file system's corner cases. mkfs.fat --invariant fixes the
// volume ID, and both tools take their times from SOURCE_DATE_EPOCH.

// espFile is one file on the ESP: its path there and where its content
// comes from (a file on the host, or Data).
type espFile struct {
	Path string
	From string
	Data []byte
}

// writeESP makes a FAT32 file system in partition p of the image and
// copies files into it, folders first, everything in a fixed order.
func writeESP(ctx context.Context, img string, p Partition, files []espFile, epoch time.Time) error {
	env := []string{fmt.Sprintf("SOURCE_DATE_EPOCH=%d", epoch.Unix())}
	mkfs := []string{"-F", "32", "-n", espLabel, "--invariant", "--offset", fmt.Sprint(p.Start / gpt.SectorSize), img, fmt.Sprint(p.Size / 1024)}
	if _, err := run(ctx, env, "mkfs.fat", mkfs...); err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].Path < files[j].Path })
	target := espTarget(img, p)
	made := map[string]bool{"/": true}
	staging, err := os.MkdirTemp("", "outpost-esp-")
	if err != nil {
		return fmt.Errorf("ESP: %w", err)
	}
	defer os.RemoveAll(staging)
	for i, f := range files {
		for _, dir := range parents(f.Path) {
			if !made[dir] {
				if _, err := run(ctx, env, "mmd", "-i", target, "::"+dir); err != nil {
					return fmt.Errorf("ESP: %w", err)
				}
				made[dir] = true
			}
		}
		src := f.From
		if src == "" {
			src = filepath.Join(staging, fmt.Sprint(i))
			if err := os.WriteFile(src, f.Data, 0o644); err != nil {
				return fmt.Errorf("ESP: %w", err)
			}
		}
		if _, err := run(ctx, env, "mcopy", "-o", "-i", target, src, "::"+f.Path); err != nil {
			return fmt.Errorf("ESP: %w", err)
		}
	}
	return nil
}

// espTarget is mtools' name of the FAT file system at p in img.
func espTarget(img string, p Partition) string { return fmt.Sprintf("%s@@%d", img, p.Start) }

// parents are the folders above a path, outermost first.
func parents(p string) []string {
	var out []string
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		out = append([]string{d}, out...)
	}
	return out
}
