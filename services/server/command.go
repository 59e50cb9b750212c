package server

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// Command runs `outpost server`. argv is the whole command line of the
// process (os.Args) and args the arguments after the command name. A token
// given on the command line first makes the process re-execute itself
// without it (see hideSecrets), so it never stays in /proc/<pid>/cmdline.
func Command(ctx context.Context, argv, args []string) error {
	if err := hideSecrets(argv); err != nil {
		return err
	}
	inherited, err := inheritedSecrets()
	if err != nil {
		return err
	}
	o, err := parseOptions(args, inherited, os.Stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil)).With("role", "server")
	return Run(ctx, o, log, os.Stdout)
}

// parseOptions reads flags, then secrets handed over by a re-exec and the
// environment, then the config file for whatever is still unset.
func parseOptions(args []string, inherited secrets, stderr io.Writer) (*Options, error) {
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
	takeSecret(&o.Token, inherited.Token, envToken, flagToken, set)
	takeSecret(&o.AgentToken, inherited.AgentToken, envAgentToken, flagAgent, set)
	if err := applyConfigFile(fset, o.ConfigFile, set[flagConfig], set); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// takeSecret sets dst from the re-exec pipe, else from the environment,
// and marks the flag as given so the config file does not override it.
func takeSecret(dst *string, inherited, env, name string, set map[string]bool) {
	switch {
	case inherited != "":
		*dst = inherited
	case !set[name] && os.Getenv(env) != "":
		*dst = os.Getenv(env)
	default:
		return
	}
	set[name] = true
}
