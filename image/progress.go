package image

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Progress shows the build's steps: one line rewritten in place on a
// terminal, plain lines otherwise. A nil Progress shows nothing.
type Progress struct {
	out   io.Writer
	tty   bool
	total int
	n     int
	start time.Time
	step  time.Time
}

// NewProgress writes to f, in place when f is a terminal.
func NewProgress(f *os.File) *Progress {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return &Progress{out: f, tty: err == nil}
}

// Start begins a run of total steps.
func (p *Progress) Start(total int) {
	if p == nil {
		return
	}
	p.total, p.n, p.start, p.step = total, 0, time.Now(), time.Now()
}

// Step announces the next step.
func (p *Progress) Step(what string) {
	if p == nil {
		return
	}
	p.n++
	line := fmt.Sprintf("[%d/%d] %s", p.n, p.total, what)
	if p.tty {
		fmt.Fprintf(p.out, "\r\033[K%s ...", line)
		return
	}
	fmt.Fprintln(p.out, line)
	p.step = time.Now()
}

// Done ends the run with a summary line.
func (p *Progress) Done(summary string) {
	if p == nil {
		return
	}
	line := fmt.Sprintf("done: %s (%s)", summary, time.Since(p.start).Round(100*time.Millisecond))
	if p.tty {
		fmt.Fprintf(p.out, "\r\033[K%s\n", line)
		return
	}
	fmt.Fprintln(p.out, strings.TrimSpace(line))
}
