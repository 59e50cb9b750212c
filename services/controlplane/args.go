package controlplane

import (
	"fmt"
	"sort"
	"strings"
)

// buildArgs renders defaults with the extra arguments applied on top as
// sorted --key=value arguments. An extra argument is key=value (a leading
// "--" is accepted); a later one for the same key wins.
func buildArgs(component string, defaults map[string]string, extra []string) ([]string, error) {
	merged := make(map[string]string, len(defaults)+len(extra))
	for k, v := range defaults {
		merged[k] = v
	}
	for _, e := range extra {
		k, v, ok := strings.Cut(strings.TrimLeft(e, "-"), "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%s argument %q is not key=value", component, e)
		}
		merged[k] = v
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, "--"+k+"="+merged[k])
	}
	return args, nil
}
