// Package rolelog gives a role process (outpost server, outpost agent) its
// logger and its console. Everything goes to stderr, which PID 1 keeps in
// /var/log/outpost/ROLE.log; Outpost's own messages at Info and above also
// go to the console PID 1 names in $OUTPOST_CONSOLE, so a box without a
// keyboard still says on its serial line why it cannot join. The upstream
// components' own (klog) output stays in the log file.
package rolelog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
)

// EnvConsole names the console device PID 1 hands to the role process.
const EnvConsole = "OUTPOST_CONSOLE"

// Console returns the console named by $OUTPOST_CONSOLE, or nil when there
// is none (the role runs on a plain host).
func Console() io.Writer {
	path := os.Getenv(EnvConsole)
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil
	}
	return f
}

// New returns the role's logger: text to stderr (Debug too: the log file
// keeps details such as component arguments), and Info and above to
// console (when not nil) as "outpost: ROLE: message key=value ...".
func New(role string, console io.Writer) *slog.Logger {
	h := slog.Handler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if console != nil {
		h = fanout{h, &consoleHandler{w: console, prefix: "outpost: " + role + ": ", mu: &sync.Mutex{}}}
	}
	return slog.New(h).With("role", role)
}

// Output is where the role prints its banner: stdout, and the console.
func Output(console io.Writer) io.Writer {
	if console == nil {
		return os.Stdout
	}
	return io.MultiWriter(os.Stdout, console)
}

// fanout sends each record to every handler that wants it.
type fanout []slog.Handler

func (f fanout) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range f {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (f fanout) Handle(ctx context.Context, r slog.Record) error {
	for _, h := range f {
		if h.Enabled(ctx, r.Level) {
			_ = h.Handle(ctx, r.Clone())
		}
	}
	return nil
}

func (f fanout) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (f fanout) WithGroup(name string) slog.Handler {
	out := make(fanout, len(f))
	for i, h := range f {
		out[i] = h.WithGroup(name)
	}
	return out
}

// consoleHandler writes one short line per record: the prefix, the
// message and the attributes (groups flattened; the role attribute, which
// the prefix already says, left out).
type consoleHandler struct {
	w      io.Writer
	prefix string
	attrs  []slog.Attr
	mu     *sync.Mutex
}

func (h *consoleHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *consoleHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(h.prefix)
	b.WriteString(r.Message)
	add := func(a slog.Attr) bool {
		if a.Key != "role" && a.Key != "" {
			fmt.Fprintf(&b, " %s=%s", a.Key, quote(a.Value.Resolve().String()))
		}
		return true
	}
	for _, a := range h.attrs {
		add(a)
	}
	r.Attrs(add)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, b.String())
	return err
}

func (h *consoleHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr{}, h.attrs...), as...)
	return &c
}

func (h *consoleHandler) WithGroup(string) slog.Handler { return h }

// quote quotes a value holding spaces, quotes or nothing.
func quote(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\"=") {
		return strconv.Quote(s)
	}
	return s
}

// SupervisorLines turns the lines the role's supervisor writes (each
// service ready, exited, restarted) into the role's log records, so they
// reach the node's console and the role's log file alike.
func SupervisorLines(log *slog.Logger) io.Writer { return supervisorLines{log} }

type supervisorLines struct{ log *slog.Logger }

func (w supervisorLines) Write(p []byte) (int, error) {
	for line := range strings.SplitSeq(strings.TrimSpace(string(p)), "\n") {
		w.log.Info(strings.TrimPrefix(line, "outpost: "))
	}
	return len(p), nil
}
