package disk

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/slots"
)

// Input is what goes on a disk image.
type Input struct {
	Board   board.Board
	Version string
	// Kernel, Initrd and Root are slot A's artifacts.
	Kernel, Initrd, Root string
	// Loader is systemd-boot's EFI binary for the board's architecture.
	Loader string
	// State is the empty state file system (WriteStateTemplate).
	State string
	// Epoch is the time stamped on the ESP's files.
	Epoch time.Time
}

// Write writes the disk image to dst (through a temporary file, so dst is
// whole or untouched) and returns its partition table.
func Write(ctx context.Context, in Input, dst string) (Table, error) {
	t, err := Plan(in.Board)
	if err != nil {
		return Table{}, err
	}
	f, err := atomicfile.Create(dst, 0o644)
	if err != nil {
		return Table{}, fmt.Errorf("disk image: %w", err)
	}
	defer f.Abort()
	err = fill(f.File, in, t)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		esp, _ := t.Find(board.PartESP)
		err = writeESP(ctx, f.Name(), esp, espFiles(in), in.Epoch)
	}
	if err != nil {
		return Table{}, fmt.Errorf("disk image %s: %w", dst, err)
	}
	return t, f.Commit()
}

func fill(f *os.File, in Input, t Table) error {
	if err := f.Truncate(t.Size); err != nil {
		return err
	}
	if err := gpt.Write(f, t); err != nil {
		return err
	}
	rootA, _ := t.Find(board.PartRootA)
	if st, err := os.Stat(in.Root); err != nil {
		return fmt.Errorf("root image: %w", err)
	} else if st.Size() > rootA.Size {
		return fmt.Errorf("root image %s is %d bytes, larger than its slot (%d): make the slots bigger (board.SlotSize)", in.Root, st.Size(), rootA.Size)
	}
	if _, err := copyAll(f, rootA.Start, in.Root); err != nil {
		return err
	}
	state, _ := t.Find(board.PartState)
	if err := copyData(f, state.Start, in.State); err != nil {
		return err
	}
	return f.Sync()
}

// espFiles are systemd-boot, its configuration, and slot A's entry,
// kernel and initrd.
func espFiles(in Input) []espFile {
	e := FirstEntry(in.Board, in.Version)
	return []espFile{
		{Path: BootLoaderPath(in.Board.EFI.Arch), From: in.Loader},
		{Path: LoaderConf, Data: []byte(loaderConf)},
		{Path: e.Path(), Data: []byte(e.Content())},
		{Path: slots.KernelPath(e.Slot), From: in.Kernel},
		{Path: slots.InitrdPath(e.Slot), From: in.Initrd},
	}
}
