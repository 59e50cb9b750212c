package disk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// bmapBlock is the block size of the bmap: the page size of the file
// systems images are built on, so a data extent covers whole blocks.
const bmapBlock = 4096

// WriteBmap writes the bmaptool block map (format 2.0, sha256) of the
// image at img to dst: the ranges of blocks that hold data, each with its
// checksum, so bmaptool copies only those and checks them. Holes are the
// parts nothing was written to, which a flashed disk may hold anything in.
func WriteBmap(img, dst string) error {
	f, err := os.Open(img)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	exts, err := dataExtents(f)
	if err != nil {
		return err
	}
	ranges, mapped, err := blockRanges(f, exts, st.Size())
	if err != nil {
		return fmt.Errorf("bmap of %s: %w", img, err)
	}
	blocks := (st.Size() + bmapBlock - 1) / bmapBlock
	doc := bmapDocument(st.Size(), blocks, mapped, ranges)
	sum := sha256.Sum256([]byte(doc))
	doc = strings.Replace(doc, strings.Repeat("0", 64), hex.EncodeToString(sum[:]), 1)
	return atomicfile.Write(dst, []byte(doc), 0o644)
}

// blockRange is a run of mapped blocks, first to last inclusive.
type blockRange struct {
	first, last int64
	sum         string
}

// blockRanges turns data extents into merged block ranges with the
// sha256 of their bytes.
func blockRanges(f *os.File, exts []extent, size int64) ([]blockRange, int64, error) {
	var ranges []blockRange
	for _, e := range exts {
		first, last := e.Start/bmapBlock, (e.Start+e.Len-1)/bmapBlock
		if n := len(ranges); n > 0 && ranges[n-1].last+1 >= first {
			ranges[n-1].last = max(ranges[n-1].last, last)
			continue
		}
		ranges = append(ranges, blockRange{first: first, last: last})
	}
	var mapped int64
	for i := range ranges {
		r := &ranges[i]
		start := r.first * bmapBlock
		end := min((r.last+1)*bmapBlock, size)
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(f, start, end-start)); err != nil {
			return nil, 0, err
		}
		r.sum = hex.EncodeToString(h.Sum(nil))
		mapped += r.last - r.first + 1
	}
	return ranges, mapped, nil
}

func bmapDocument(size, blocks, mapped int64, ranges []blockRange) string {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" ?>\n")
	b.WriteString("<!-- The block map of disk.img for bmaptool: only the listed blocks hold data;\n     flash with 'bmaptool copy disk.img /dev/DISK' (plain dd works too). -->\n")
	b.WriteString("<bmap version=\"2.0\">\n")
	fmt.Fprintf(&b, "    <ImageSize> %d </ImageSize>\n", size)
	fmt.Fprintf(&b, "    <BlockSize> %d </BlockSize>\n", bmapBlock)
	fmt.Fprintf(&b, "    <BlocksCount> %d </BlocksCount>\n", blocks)
	fmt.Fprintf(&b, "    <MappedBlocksCount> %d </MappedBlocksCount>\n", mapped)
	b.WriteString("    <ChecksumType> sha256 </ChecksumType>\n")
	fmt.Fprintf(&b, "    <BmapFileChecksum> %s </BmapFileChecksum>\n", strings.Repeat("0", 64))
	b.WriteString("    <BlockMap>\n")
	for _, r := range ranges {
		span := fmt.Sprint(r.first)
		if r.last != r.first {
			span = fmt.Sprintf("%d-%d", r.first, r.last)
		}
		fmt.Fprintf(&b, "        <Range chksum=\"%s\"> %s </Range>\n", r.sum, span)
	}
	b.WriteString("    </BlockMap>\n</bmap>\n")
	return b.String()
}
