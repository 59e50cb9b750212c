package supervisor

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

const (
	ringSize    = 64 << 10 // recent output kept in memory
	maxLogBytes = 8 << 20  // a log file is rotated to NAME.log.1 past this
)

// logWriter keeps a service's recent output in memory and appends it to
// its log file, rotating the file when it grows too big.
type logWriter struct {
	mu      sync.Mutex
	ring    []byte
	path    string
	file    *os.File
	written int64
}

func newLogWriter(dir, name string) (*logWriter, error) {
	w := &logWriter{}
	if dir == "" {
		return w, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("log folder for %s: %w", name, err)
	}
	w.path = filepath.Join(dir, name+".log")
	if err := w.open(); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *logWriter) open() error {
	f, err := os.OpenFile(w.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("open log %s: %w", w.path, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("stat log %s: %w", w.path, err)
	}
	w.file, w.written = f, st.Size()
	return nil
}

// Write never fails: a log that cannot be written must not stop a service.
func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.ring = append(w.ring, p...)
	if over := len(w.ring) - ringSize; over > 0 {
		w.ring = append(w.ring[:0], w.ring[over:]...)
	}
	if w.file != nil {
		n, _ := w.file.Write(p)
		w.written += int64(n)
		if w.written > maxLogBytes {
			w.rotate()
		}
	}
	return len(p), nil
}

func (w *logWriter) rotate() {
	w.file.Close()
	w.file = nil
	os.Rename(w.path, w.path+".1")
	if err := w.open(); err != nil {
		w.file = nil
	}
}

// Recent returns a copy of the output kept in memory.
func (w *logWriter) Recent() []byte {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]byte(nil), w.ring...)
}

// Close closes the log file (at shutdown, so its file system can be
// unmounted); later output only reaches the ring.
func (w *logWriter) Close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file != nil {
		w.file.Close()
		w.file = nil
	}
}
