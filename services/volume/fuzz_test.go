package volume

import (
	"bytes"
	"testing"
)

func FuzzReadLabel(f *testing.F) {
	iso := make([]byte, 17*isoSector)
	copy(iso[16*isoSector:], "\x01CD001")
	copy(iso[16*isoSector+isoVolumeIDAt:], "cidata")
	f.Add(iso)
	fat := make([]byte, 4096)
	fat[11], fat[13], fat[14], fat[16], fat[17], fat[22] = 0x00, 1, 1, 2, 16, 1
	fat[12] = 2 // 512 bytes per sector
	fat[38] = 0x29
	copy(fat[43:], "CIDATA     ")
	fat[510], fat[511] = 0x55, 0xAA
	f.Add(fat)
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _, _ = ReadLabel(bytes.NewReader(data))
	})
}
