package roleflags

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/outpost-os/outpost/services/config"
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
// *configFile (required when --config was given): the options that
// settings maps it onto are set where their flag was given neither way.
// Warnings about the file go to fset's output.
func Parse(fset *flag.FlagSet, args []string, inherited Secrets, secrets []Secret, configFile *string, settings func(*config.Config) []Setting) error {
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("flags: %w", err)
	}
	if fset.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fset.Args())
	}
	given := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range secrets {
		Take(s.Dst, inherited, s.Env, s.Name, given)
	}
	c, err := ReadConfig(*configFile, given["config"], fset.Output())
	if err != nil || c == nil {
		return err
	}
	Apply(settings(c), given)
	return nil
}

// List is a repeatable flag.
type List []string

func (l *List) String() string     { return strings.Join(*l, ",") }
func (l *List) Set(v string) error { *l = append(*l, v); return nil }
