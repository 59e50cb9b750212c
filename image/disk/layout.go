package disk

import (
	"crypto/sha256"

	"github.com/google/uuid"
	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/board/gpt"
)

// gptReserve is what each GPT copy takes: the header and 128 entries of
// 128 bytes, rounded up to the alignment at the start.
const gptReserve = board.DiskAlign

// Table and Partition are a disk image's partition table.
type (
	Table     = gpt.Table
	Partition = gpt.Partition
)

// Plan lays out the board's partitions from the first aligned offset,
// each with a GUID derived from the board and the partition name, so two
// builds give the same table.
func Plan(b board.Board) (Table, error) {
	layout, err := b.DiskLayout()
	if err != nil {
		return Table{}, err
	}
	t := Table{UUID: stableUUID(b.Name, "disk")}
	off := int64(gptReserve)
	for i, l := range layout {
		t.Partitions = append(t.Partitions, Partition{
			Number: i + 1, Name: l.Name, Type: l.Type, UUID: stableUUID(b.Name, l.Name), Start: off, Size: l.Size,
		})
		off += l.Size
	}
	t.Size = off + gptReserve
	return t, nil
}

// stableUUID is a version-4-shaped UUID taken from a hash of its names:
// the same for every build of a board, different between boards and
// partitions.
func stableUUID(names ...string) string {
	h := sha256.New()
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	var u uuid.UUID
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
