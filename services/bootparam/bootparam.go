// Package bootparam reads the boot parameters PID 1 itself acts on from the
// kernel command line: root=, outpost.rootwait=, outpost.console=,
// outpost.hostname=, outpost.emergency_reboot= and outpost.wipe=. Node configuration keys
// (role, server, token) belong to the metadata service.
package bootparam

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// Keys are the kernel command line keys PID 1 itself reads.
func Keys() []string {
	return []string{"outpost.rootwait", "outpost.console", "outpost.emergency_reboot", "outpost.wipe"}
}

// Params are the boot parameters with their defaults applied.
type Params struct {
	raw map[string]string
	// RootWait bounds the wait for the root device.
	RootWait time.Duration
	// Console turns on the debug console service on the serial console.
	Console bool
	// EmergencyReboot is how long PID 1 waits after a fatal boot error
	// before it reboots; 0 means wait for a person.
	EmergencyReboot time.Duration
	// WipeState asks stage 1 to reset the state partition
	// (outpost.wipe=state): a factory reset.
	WipeState bool
}

// Defaults for the boot parameters.
const (
	DefaultRootWait        = 30 * time.Second
	DefaultEmergencyReboot = 5 * time.Minute
)

// Read parses the kernel command line in path (normally /proc/cmdline).
func Read(path string) (Params, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Params{}, fmt.Errorf("read kernel command line: %w", err)
	}
	return Parse(string(data))
}

// Parse parses a kernel command line.
func Parse(cmdline string) (Params, error) {
	p := Params{raw: Fields(cmdline), RootWait: DefaultRootWait, EmergencyReboot: DefaultEmergencyReboot}
	var err error
	if p.RootWait, err = p.duration("outpost.rootwait", DefaultRootWait); err != nil {
		return p, err
	}
	if p.EmergencyReboot, err = p.duration("outpost.emergency_reboot", DefaultEmergencyReboot); err != nil {
		return p, err
	}
	switch v, ok := p.raw["outpost.wipe"]; {
	case !ok:
	case v == "state":
		p.WipeState = true
	default:
		return p, fmt.Errorf("kernel command line: outpost.wipe=%q: the only thing that can be wiped is the state partition: outpost.wipe=state", v)
	}
	switch v := p.raw["outpost.console"]; v {
	case "", "off", "0":
	case "on", "1", "debug":
		p.Console = true
	default:
		return p, fmt.Errorf("kernel command line: outpost.console=%q: use on or off", v)
	}
	return p, nil
}

// Get returns a raw parameter.
func (p Params) Get(key string) (string, bool) {
	v, ok := p.raw[key]
	return v, ok
}

// Root is the root device: root= from the command line, or the board's.
func (p Params) Root(boardDefault string) string {
	if v := p.raw["root"]; v != "" {
		return v
	}
	return boardDefault
}

func (p Params) duration(key string, def time.Duration) (time.Duration, error) {
	v, ok := p.raw[key]
	if !ok || v == "" {
		return def, nil
	}
	if !strings.ContainsAny(v, "hmsµn") {
		v += "s"
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return def, fmt.Errorf("kernel command line: %s=%q is not a duration (try 30s)", key, p.raw[key])
	}
	return d, nil
}

// Fields splits a kernel command line into key=value pairs, honouring
// double quotes as the kernel does; a bare word maps to "".
func Fields(cmdline string) map[string]string {
	out := map[string]string{}
	for _, w := range Split(cmdline) {
		k, v, _ := strings.Cut(w, "=")
		out[k] = v
	}
	return out
}

// Split splits a kernel command line into words on white space outside double quotes (which
// it drops), as the kernel does, and stops at "--": what follows belongs to
// init's argv.
func Split(text string) []string {
	var out []string
	var cur strings.Builder
	inQuote, started := false, false
	flush := func() bool {
		if !started {
			return true
		}
		s := cur.String()
		cur.Reset()
		started = false
		if s == "--" {
			return false
		}
		out = append(out, s)
		return true
	}
	for _, r := range text {
		switch {
		case r == '"':
			inQuote = !inQuote
			started = true
		case !inQuote && (r == ' ' || r == '\t' || r == '\n' || r == '\r'):
			if !flush() {
				return out
			}
		default:
			cur.WriteRune(r)
			started = true
		}
	}
	flush()
	return out
}
