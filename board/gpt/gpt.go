// Package gpt reads and writes the GUID partition tables of Outpost's
// disks (go-diskfs underneath): the image builder writes one, stage 1
// finds partitions in it and grows the last one to the end of a disk
// bigger than the image.
package gpt

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/diskfs/go-diskfs/backend/file"
	dgpt "github.com/diskfs/go-diskfs/partition/gpt"
)

// SectorSize is the logical sector size of Outpost's disk images (and of
// nearly every disk they are flashed to).
const SectorSize = 512

// Partition is one partition of a disk.
type Partition struct {
	Number int    `json:"number"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	UUID   string `json:"uuid"`
	Start  int64  `json:"start"` // bytes from the start of the disk
	Size   int64  `json:"size"`
}

// End is the first byte after the partition.
func (p Partition) End() int64 { return p.Start + p.Size }

// Table is the partition table of a disk.
type Table struct {
	UUID       string      `json:"uuid"`
	Size       int64       `json:"size"` // of the disk, bytes
	Partitions []Partition `json:"partitions"`
}

// ErrNotFound is returned by Find for a name the table lacks.
var ErrNotFound = errors.New("no such partition")

// Find returns the partition named name.
func (t Table) Find(name string) (Partition, error) {
	for _, p := range t.Partitions {
		if p.Name == name {
			return p, nil
		}
	}
	return Partition{}, fmt.Errorf("partition %s: %w", name, ErrNotFound)
}

// Read reads the table of the disk (or image) open in f.
func Read(f *os.File) (Table, error) {
	g, size, err := readDiskfs(f)
	if err != nil {
		return Table{}, err
	}
	t := Table{UUID: strings.ToLower(g.GUID), Size: size}
	for _, p := range g.Partitions {
		t.Partitions = append(t.Partitions, Partition{Number: p.Index, Name: p.Name, Type: strings.ToUpper(string(p.Type)),
			UUID: strings.ToLower(p.GUID), Start: int64(p.Start) * SectorSize, Size: int64(p.End-p.Start+1) * SectorSize})
	}
	return t, nil
}

// ReadFile reads the table of the disk or image at path.
func ReadFile(path string) (Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return Table{}, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return Table{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

func readDiskfs(f *os.File) (*dgpt.Table, int64, error) {
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, 0, fmt.Errorf("size of %s: %w", f.Name(), err)
	}
	g, err := dgpt.Read(file.New(f, true), SectorSize, SectorSize)
	if err != nil {
		return nil, 0, fmt.Errorf("read GPT of %s: %w", f.Name(), err)
	}
	return g, size, nil
}

// Write writes t as the GPT of f (a protective MBR, the primary table at
// the start and the backup at t.Size), backup first, each part synced.
func Write(f *os.File, t Table) error {
	g := &dgpt.Table{LogicalSectorSize: SectorSize, PhysicalSectorSize: SectorSize, ProtectiveMBR: true, GUID: t.UUID}
	for _, p := range t.Partitions {
		g.Partitions = append(g.Partitions, &dgpt.Partition{
			Index: p.Number, Name: p.Name, Type: dgpt.Type(p.Type), GUID: p.UUID,
			Start: uint64(p.Start / SectorSize), End: uint64(p.End()/SectorSize - 1),
		})
	}
	return writeDiskfs(f, g, t.Size)
}

func writeDiskfs(f *os.File, g *dgpt.Table, size int64) error {
	w, err := file.New(f, false).Writable()
	if err != nil {
		return err
	}
	if err := g.Write(w, size); err != nil {
		return fmt.Errorf("write GPT of %s: %w", f.Name(), err)
	}
	return nil
}
