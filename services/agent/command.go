package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/outpost-os/outpost/services/roleflags"
	"github.com/outpost-os/outpost/services/rolelog"
)

// Command runs `outpost agent`. argv is the whole command line of the
// process and args the arguments after the command name. A token given on
// the command line first makes the process re-execute itself without it,
// so it never stays in /proc/<pid>/cmdline.
func Command(ctx context.Context, argv, args []string) error {
	if err := roleflags.HideSecrets(argv, flagToken); err != nil {
		return err
	}
	inherited, err := roleflags.Inherited()
	if err != nil {
		return err
	}
	o, err := parseOptions(args, inherited, os.Stderr)
	if err != nil {
		return err
	}
	return Run(ctx, o, rolelog.New("agent", rolelog.Console()))
}

// parseOptions reads flags, then a secret handed over by a re-exec or the
// environment, then the config file for whatever is still unset.
func parseOptions(args []string, inherited roleflags.Secrets, stderr io.Writer) (*Options, error) {
	o := &Options{}
	fset := o.flagSet(stderr)
	if err := fset.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, fmt.Errorf("flags: %w", err)
	}
	if fset.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fset.Args())
	}
	set := map[string]bool{}
	fset.Visit(func(f *flag.Flag) { set[f.Name] = true })
	roleflags.Take(&o.Token, inherited, envToken, flagToken, set)
	if err := roleflags.ConfigFile(fset, o.ConfigFile, set[flagConfig], set, configKeys); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, o.complete()
}
