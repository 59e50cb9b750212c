package server

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

// Command runs `outpost server`. argv is the whole command line of the
// process (os.Args) and args the arguments after the command name. A token
// given on the command line first makes the process re-execute itself
// without it (see hideSecrets), so it never stays in /proc/<pid>/cmdline.
func Command(ctx context.Context, argv, args []string) error {
	if err := roleflags.HideSecrets(argv, flagToken, flagAgent); err != nil {
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
	console := rolelog.Console()
	return Run(ctx, o, rolelog.New("server", console), rolelog.Output(console))
}

// parseOptions reads flags, then secrets handed over by a re-exec and the
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
	roleflags.Take(&o.AgentToken, inherited, envAgentToken, flagAgent, set)
	if err := roleflags.ConfigFile(fset, o.ConfigFile, set[flagConfig], set, configKeys); err != nil {
		return nil, err
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	return o, nil
}

// configKeys maps keys of the node configuration (services/config) whose
// names differ from the flag they set.
var configKeys = map[string]string{
	"tls-sans":                     "tls-san",
	"kube-apiserver-args":          "kube-apiserver-arg",
	"kube-controller-manager-args": "kube-controller-manager-arg",
	"kube-scheduler-args":          "kube-scheduler-arg",
	"https-port":                   "https-listen-port",
	"node-ip":                      "advertise-address",
	"hostname":                     "node-name",
	"node-labels":                  "node-label",
	"node-taints":                  "node-taint",
	"kubelet-args":                 "kubelet-arg",
	"kube-proxy-args":              "kube-proxy-arg",
}
