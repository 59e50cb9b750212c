package stage2

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/init/sysctl"
	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/config"
	"golang.org/x/sys/unix"
)

// applyConfig puts a valid configuration in effect and saves it where the
// role process reads it.
func (s *init2) applyConfig() error {
	c := s.node.cfg.Config
	var errs []error
	if c.Hostname != "" {
		if err := unix.Sethostname([]byte(c.Hostname)); err != nil {
			errs = append(errs, fmt.Errorf("hostname %q: %w", c.Hostname, err))
		}
	}
	if len(c.Modules) > 0 {
		errs = append(errs, s.loadModules(c.Modules))
	}
	if len(c.Sysctls) > 0 {
		errs = append(errs, sysctl.Apply("/proc/sys", c.Sysctls))
	}
	errs = append(errs, writeFiles(c.WriteFiles))
	if err := config.Save(config.Path, &c); err != nil {
		errs = append(errs, fmt.Errorf("save %s: %w", config.Path, err))
	}
	fmt.Fprintf(s.console, "outpost: config: %s\n", s.summary())
	return errors.Join(errs...)
}

// summary names the main keys with their sources, secrets left out.
func (s *init2) summary() string {
	c := s.node.cfg.Config
	parts := []string{fmt.Sprintf("role %s (%s)", c.Role, s.node.cfg.Source("role"))}
	if c.Hostname != "" {
		parts = append(parts, fmt.Sprintf("hostname %s (%s)", c.Hostname, s.node.cfg.Source("hostname")))
	}
	if c.Server != "" {
		parts = append(parts, fmt.Sprintf("server %s (%s)", c.Server, s.node.cfg.Source("server")))
	}
	return strings.Join(parts, ", ")
}

// writeFiles writes the write_files entries, each through a temporary file.
func writeFiles(files []config.WriteFile) error {
	var errs []error
	for _, f := range files {
		if err := writeOne(f); err != nil {
			errs = append(errs, fmt.Errorf("write_files %s: %w", f.Path, err))
		}
	}
	return errors.Join(errs...)
}

func writeOne(f config.WriteFile) error {
	data, err := f.Decode()
	if err != nil {
		return err
	}
	mode, err := f.Mode()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(f.Path), 0o755); err != nil {
		return err
	}
	if f.Append {
		old, err := os.ReadFile(f.Path)
		if err != nil && !os.IsNotExist(err) {
			return err
		}
		data = append(old, data...)
	}
	return atomicfile.Write(f.Path, data, mode)
}
