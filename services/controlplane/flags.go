package controlplane

import (
	"fmt"

	"github.com/spf13/pflag"
	cliflag "k8s.io/component-base/cli/flag"
)

// parseFlags parses args into every flag set of a component, as its cobra
// command would, without the process-wide logging and version flags.
func parseFlags(component string, fss cliflag.NamedFlagSets, args []string) error {
	fs := pflag.NewFlagSet(component, pflag.ContinueOnError)
	fs.SetNormalizeFunc(cliflag.WordSepNormalizeFunc)
	for _, name := range fss.Order {
		fs.AddFlagSet(fss.FlagSets[name])
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%s arguments: %w", component, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s arguments: unexpected %q", component, fs.Args())
	}
	return nil
}
