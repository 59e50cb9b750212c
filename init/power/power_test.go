package power

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func event(typ, code uint16, value int32) []byte {
	b := make([]byte, eventSize)
	binary.LittleEndian.PutUint16(b[16:], typ)
	binary.LittleEndian.PutUint16(b[18:], code)
	binary.LittleEndian.PutUint32(b[20:], uint32(value))
	return b
}

func TestIsPowerPress(t *testing.T) {
	if !isPowerPress(event(evKey, keyPower, 1)) {
		t.Error("power key down not seen")
	}
	for _, ev := range [][]byte{event(evKey, keyPower, 0), event(evKey, 30, 1), event(0, keyPower, 1), {1, 2}} {
		if isPowerPress(ev) {
			t.Errorf("%v taken for a power press", ev)
		}
	}
}

func TestWatchOneCountsPresses(t *testing.T) {
	var stream bytes.Buffer
	stream.Write(event(evKey, keyPower, 1))
	stream.Write(event(evKey, keyPower, 0))
	stream.Write(event(0, 0, 0))
	stream.Write(event(evKey, keyPower, 1))
	n := 0
	watchOne(&stream, func() { n++ })
	if n != 2 {
		t.Errorf("presses = %d, want 2", n)
	}
}

func FuzzIsPowerPress(f *testing.F) {
	f.Add(event(evKey, keyPower, 1))
	f.Fuzz(func(t *testing.T, b []byte) { isPowerPress(b) })
}
