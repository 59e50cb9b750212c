package roleflags

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Secret is a flag whose value is a secret, and the environment variable
// that may give it instead.
type Secret struct {
	Dst  *string
	Name string
	Env  string
}

// Parse reads the command line into fset, then each secret from the
// re-exec pipe or its environment variable, then the config file at
// *configFile (required when --config was given) for every flag still
// unset. rename maps config keys to flag names where they differ.
func Parse(fset *flag.FlagSet, args []string, inherited Secrets, secrets []Secret, configFile *string, rename map[string]string) error {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("flags: %w", err)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fset.Args())
	}
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, s := range secrets {
		Take(s.Dst, inherited, s.Env, s.Name, set)
	}
	return ConfigFile(fset, *configFile, set["config"], set, rename)
}

// List is a repeatable flag.
type List []string

func (l *List) String() string     { return strings.Join(*l, ",") }
func (l *List) Set(v string) error { *l = append(*l, v); return nil }
