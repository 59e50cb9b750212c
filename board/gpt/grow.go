package gpt

import (
	"fmt"
	"os"
)

// Growth says what Grow did.
type Growth struct {
	Before, After Partition
}

// Grown tells whether the partition changed.
func (g Growth) Grown() bool { return g.After.Size != g.Before.Size }

// ErrTooSmall means the disk is smaller than its own partition table
// says: an image written to a smaller disk.
type ErrTooSmall struct {
	Disk      string
	DiskSize  int64
	Partition Partition
}

func (e *ErrTooSmall) Error() string {
	return fmt.Sprintf("disk %s is %d bytes, but its partition %s ends at byte %d: the image was written to a disk smaller than the image; write it to a disk of at least %d bytes",
		e.Disk, e.DiskSize, e.Partition.Name, e.Partition.End(), e.Partition.End()+1<<20)
}

// Fits returns an *ErrTooSmall when a partition of t ends beyond the end
// of disk, diskSize bytes long.
func (t Table) Fits(disk string, diskSize int64) error {
	for _, p := range t.Partitions {
		if p.End() > diskSize {
			return &ErrTooSmall{Disk: disk, DiskSize: diskSize, Partition: p}
		}
	}
	return nil
}

// Grow makes the partition named name, which must be the last one, reach
// the end of the disk open in f (diskSize bytes), in whole units of align
// bytes, and moves the backup table to the disk's real end. A disk that
// already ends where its table does is left alone; one that is smaller
// than its table is an *ErrTooSmall and is not written.
func Grow(f *os.File, diskSize int64, name string, align int64) (Growth, error) {
	g, _, err := readDiskfs(f)
	if err != nil {
		return Growth{}, err
	}
	t, err := Read(f)
	if err != nil {
		return Growth{}, err
	}
	target, err := t.Find(name)
	if err != nil {
		return Growth{}, err
	}
	if err := t.Fits(f.Name(), diskSize); err != nil {
		return Growth{}, err
	}
	for _, p := range t.Partitions {
		if p.Start > target.Start {
			return Growth{}, fmt.Errorf("partition %s is not the last on %s (%s follows it): it cannot grow", name, f.Name(), p.Name)
		}
	}
	// The backup table takes the last 33 sectors; the last usable byte
	// comes before it, rounded down to the alignment.
	usableEnd := (diskSize - 33*SectorSize) / align * align
	out := Growth{Before: target, After: target}
	if usableEnd-target.End() < align {
		return out, nil
	}
	g.Resize(uint64(diskSize))
	for _, p := range g.Partitions {
		if p.Index == target.Number {
			p.End = uint64(usableEnd/SectorSize - 1)
			p.Size = 0 // go-diskfs computes it from Start and End
		}
	}
	if err := writeDiskfs(f, g, diskSize); err != nil {
		return out, err
	}
	out.After.Size = usableEnd - target.Start
	return out, f.Sync()
}
