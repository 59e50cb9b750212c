// Package console is the debug console on the serial line (turned on with
// outpost.console=on): a few commands to look inside a node that has no
// shell, for people and for the QEMU tests. Each command line is
// "[ID] COMMAND ARGS"; each output line is "#ID text" and the last one
// "#ID END ok" or "#ID END error: ...", so replies can be told apart from
// the rest of the console.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// Console serves commands from In to Out.
type Console struct {
	In  io.Reader
	Out io.Writer
	// Self is the outpost binary, for commands that start processes.
	Self string
}

// exitRequest ends Serve with a process exit code.
type exitRequest struct{ code int }

func (e exitRequest) Error() string { return fmt.Sprintf("exit %d", e.code) }

// Serve reads and runs commands until In ends or ctx is done. It returns
// the exit code the console process should end with.
func (c Console) Serve(ctx context.Context) int {
	fmt.Fprintf(c.Out, "outpost: console ready (pid %d); type 'help'\n", os.Getpid())
	lines := bufio.NewScanner(c.In)
	for ctx.Err() == nil && lines.Scan() {
		id, args := parseLine(lines.Text())
		if len(args) == 0 {
			continue
		}
		err := c.run(id, args)
		if e, ok := err.(exitRequest); ok {
			fmt.Fprintf(c.Out, "#%s END ok\n", id)
			return e.code
		}
		if err != nil {
			fmt.Fprintf(c.Out, "#%s END error: %v\n", id, err)
		} else {
			fmt.Fprintf(c.Out, "#%s END ok\n", id)
		}
	}
	return 0
}

// parseLine splits "ID cmd args" (ID optional, digits) into id and words.
func parseLine(line string) (string, []string) {
	words := strings.Fields(line)
	if len(words) > 0 {
		if _, err := strconv.Atoi(words[0]); err == nil {
			return words[0], words[1:]
		}
	}
	return "0", words
}

func (c Console) run(id string, args []string) error {
	out := &prefixWriter{w: c.Out, prefix: "#" + id + " "}
	defer out.flush()
	cmd, ok := commands()[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q; try help", args[0])
	}
	if len(args)-1 < cmd.args {
		return fmt.Errorf("usage: %s", cmd.usage)
	}
	return cmd.run(c, out, args[1:])
}

// prefixWriter puts a prefix before every line.
type prefixWriter struct {
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			return len(b), nil
		}
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
}

func (p *prefixWriter) flush() {
	if len(p.buf) > 0 {
		fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf)
		p.buf = nil
	}
}
