package agent

import (
	"context"
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
	if err := roleflags.HideSecrets(argv, []string{flagToken}, []string{envToken}); err != nil {
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
	if o.PrintServices {
		return PrintServices(os.Stdout, o)
	}
	return Run(ctx, o, rolelog.New("agent", rolelog.Console()))
}

// parseOptions reads flags, then a secret handed over by a re-exec or the
// environment, then the config file for whatever is still unset.
func parseOptions(args []string, inherited roleflags.Secrets, stderr io.Writer) (*Options, error) {
	o := &Options{}
	secrets := []roleflags.Secret{{Dst: &o.Token, Name: flagToken, Env: envToken}}
	if err := roleflags.Parse(o.flagSet(stderr), args, inherited, secrets, &o.ConfigFile, o.FromConfig); err != nil {
		return nil, err
	}
	if o.PrintServices {
		return o, nil
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, o.complete()
}
