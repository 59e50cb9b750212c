package roleflags

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"slices"

	"github.com/outpost-os/outpost/services/config"
)

// ReadConfig decodes the node configuration file at path with the typed
// configuration of services/config (its keys in snake_case, kebab-case or
// as the roles' flag names). A missing file gives nil unless required; an
// empty path gives nil. Unknown keys are written to warn and skipped.
func ReadConfig(path string, required bool, warn io.Writer) (*config.Config, error) {
	if path == "" {
		return nil, nil
	}
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	if st.Size() > config.MaxSize {
		return nil, fmt.Errorf("config file %s is over %d bytes", path, config.MaxSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	l, err := config.Parse(path, data)
	if err != nil {
		return nil, fmt.Errorf("config file %w", err)
	}
	for _, w := range l.Warnings {
		fmt.Fprintf(warn, "config file %v\n", w)
	}
	return &l.Config, nil
}

// Setting is one role option a configuration key sets unless the option's
// flag was given.
type Setting struct {
	Flag  string
	given bool // the configuration sets the key
	apply func()
}

// Apply applies every setting whose key is set and whose flag is not in
// flagsGiven, in order: of two settings of one flag, the later wins.
func Apply(settings []Setting, flagsGiven map[string]bool) {
	for _, s := range settings {
		if s.given && !flagsGiven[s.Flag] {
			s.apply()
		}
	}
}

// String sets *dst to v when v is not empty.
func String(flag string, dst *string, v string) Setting {
	return Setting{flag, v != "", func() { *dst = v }}
}

// Int sets *dst to v when v is not zero.
func Int(flag string, dst *int, v int) Setting {
	return Setting{flag, v != 0, func() { *dst = v }}
}

// Bool sets *dst when v is true (false is every such flag's default).
func Bool(flag string, dst *bool, v bool) Setting {
	return Setting{flag, v, func() { *dst = true }}
}

// OptionalBool sets *dst to *v when v is given.
func OptionalBool(flag string, dst *bool, v *bool) Setting {
	return Setting{flag, v != nil, func() { *dst = *v }}
}

// Strings sets a repeatable flag to the list v when it is not empty.
func Strings(flag string, dst *[]string, v []string) Setting {
	return Setting{flag, len(v) > 0, func() { *dst = slices.Clone(v) }}
}

// Pairs sets a repeatable KEY=VALUE flag (node labels) from the map m,
// sorted by key.
func Pairs(flag string, dst *[]string, m map[string]string) Setting {
	return Setting{flag, len(m) > 0, func() {
		*dst = nil
		for _, k := range slices.Sorted(maps.Keys(m)) {
			*dst = append(*dst, k+"="+m[k])
		}
	}}
}
