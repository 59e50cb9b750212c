package disk

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/outpost-os/outpost/board"
)

// StateLabel is the ext4 label of the state file system.
const StateLabel = "outpost-state"

// WriteStateTemplate makes the empty state file system of a board at
// path, StateSize bytes of ext4 from Debian's mkfs.ext4 (go-diskfs's ext4
// writer is young; e2fsprogs is what every distribution formats with, and
// its e2fsck checks the result at boot). Its UUID, hash seed and times are
// fixed, so two builds give the same bytes. 4 KiB blocks and one inode
// per 16 KiB whatever the size (mkfs would pick 1 KiB blocks for a small
// file system, a bad start for one that grows to fill the disk), a 32 MiB
// journal, 1% reserved.
func WriteStateTemplate(ctx context.Context, b board.Board, path string, epoch time.Time) error {
	os.Remove(path)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("state file system: %w", err)
	}
	err = f.Truncate(board.StateSize)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("state file system: %w", err)
	}
	id := stableUUID(b.Name, StateLabel, "ext4")
	// mke2fs 1.47 takes its clock from E2FSPROGS_FAKE_TIME, not from
	// SOURCE_DATE_EPOCH.
	env := []string{fmt.Sprintf("E2FSPROGS_FAKE_TIME=%d", epoch.Unix())}
	_, err = run(ctx, env, "mkfs.ext4", "-q", "-F", "-b", "4096", "-i", "16384", "-m", "1", "-J", "size=32",
		"-L", StateLabel, "-U", id, "-E", "hash_seed="+id+",nodiscard,lazy_itable_init=1,lazy_journal_init=1", path)
	return err
}
