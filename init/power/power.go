// Package power watches the input devices for the power button (the ACPI
// button on PCs, gpio-keys on ARM boards, what QEMU's system_powerdown
// presses) and reports each press.
package power

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

const (
	evKey    = 0x01
	keyPower = 116
)

// event is struct input_event on 64-bit Linux: a timeval (two 64-bit
// words), then type, code and value.
const eventSize = 24

// Watch reads every /dev/input/event* device and calls pressed on each
// power-key press until ctx ends. It returns how many devices it watches.
func Watch(ctx context.Context, dir string, pressed func()) (int, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "event*"))
	if err != nil {
		return 0, fmt.Errorf("list input devices: %w", err)
	}
	n := 0
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		n++
		go func() {
			<-ctx.Done()
			f.Close()
		}()
		go watchOne(f, pressed)
	}
	if n == 0 {
		return 0, fmt.Errorf("no input devices in %s: the power button will not work (load the board's button module)", dir)
	}
	return n, nil
}

func watchOne(r io.Reader, pressed func()) {
	buf := make([]byte, eventSize)
	for {
		if _, err := io.ReadFull(r, buf); err != nil {
			return // device gone or closed at shutdown
		}
		if isPowerPress(buf) {
			pressed()
		}
	}
}

// isPowerPress tells whether one input_event is the power key going down.
func isPowerPress(ev []byte) bool {
	if len(ev) < eventSize {
		return false
	}
	typ := binary.LittleEndian.Uint16(ev[16:])
	code := binary.LittleEndian.Uint16(ev[18:])
	value := int32(binary.LittleEndian.Uint32(ev[20:]))
	return typ == evKey && code == keyPower && value == 1
}
