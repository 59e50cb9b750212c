package roleflags

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// maxConfigSize caps the config file.
const maxConfigSize = 1 << 20

// ConfigFile sets every flag that the command line left unset from the
// keys of the YAML file at path. Keys are flag names in snake_case or
// kebab-case, or names that rename maps to a flag name; keys that name no
// flag belong to other parts of the node and are ignored. A map value sets
// the flag once per key as key=value (node labels). A missing file is fine
// unless required. The flag named config is never set from the file.
func ConfigFile(fset *flag.FlagSet, path string, required bool, setOnCmdline map[string]bool, rename map[string]string) error {
	data, err := readConfig(path, required)
	if err != nil || data == nil {
		return err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		name := flagName(k, rename)
		if fset.Lookup(name) == nil || name == "config" || setOnCmdline[name] {
			continue
		}
		if err := setFromYAML(fset, name, doc[k]); err != nil {
			errs = append(errs, fmt.Errorf("config file %s: key %s: %w", path, k, err))
		}
	}
	return errors.Join(errs...)
}

func readConfig(path string, required bool) ([]byte, error) {
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
	if st.Size() > maxConfigSize {
		return nil, fmt.Errorf("config file %s is over %d bytes", path, maxConfigSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	return data, nil
}

func flagName(key string, rename map[string]string) string {
	name := strings.ReplaceAll(key, "_", "-")
	if r, ok := rename[name]; ok {
		return r
	}
	return name
}

func setFromYAML(fset *flag.FlagSet, name string, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := setScalar(fset, name, fmt.Sprintf("%s=%v", k, v[k])); err != nil {
				return err
			}
		}
		return nil
	case []any:
		for _, e := range v {
			if err := setScalar(fset, name, e); err != nil {
				return err
			}
		}
		return nil
	default:
		return setScalar(fset, name, v)
	}
}

func setScalar(fset *flag.FlagSet, name string, v any) error {
	switch v.(type) {
	case map[string]any, []any:
		return errors.New("expected a single value")
	}
	return fset.Set(name, fmt.Sprint(v))
}
