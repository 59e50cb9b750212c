package server

import (
	"context"
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
	if err := roleflags.HideSecrets(argv, []string{flagToken, flagAgent}, []string{envToken, envAgentToken}); err != nil {
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
	console := rolelog.Console()
	return Run(ctx, o, rolelog.New("server", console), rolelog.Output(console))
}

// parseOptions reads flags, then secrets handed over by a re-exec and the
// environment, then the config file for whatever is still unset.
func parseOptions(args []string, inherited roleflags.Secrets, stderr io.Writer) (*Options, error) {
	o := &Options{}
	secrets := []roleflags.Secret{
		{Dst: &o.Token, Name: flagToken, Env: envToken},
		{Dst: &o.AgentToken, Name: flagAgent, Env: envAgentToken},
	}
	if err := roleflags.Parse(o.flagSet(stderr), args, inherited, secrets, &o.ConfigFile, configKeys); err != nil {
		return nil, err
	}
	if o.PrintServices {
		return o, nil
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
