package metadata

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/paths"
)

// Source is one place the configuration can come from.
type Source interface {
	// Name is the precedence name of the source (config.SourceNoCloud, ...).
	Name() string
	// Fetch reads the source. It returns (nil, nil) when the source is not
	// present on this machine, which is not an error; an error means the
	// source is there but unreadable or invalid.
	Fetch(ctx context.Context) (*config.Layer, error)
}

// Networked is implemented by sources that need the network at the moment;
// Load skips them when Options.Offline is set.
type Networked interface {
	NeedsNetwork() bool
}

// Paths says where the sources look. Empty fields take the defaults of a
// booted node; tests point them at fixtures and local servers.
type Paths struct {
	Cmdline   string // default /proc/cmdline
	SysRoot   string // default /sys
	DevRoot   string // default /dev
	StateFile string // default config.StatePath
	IMDSURL   string // default http://169.254.169.254
	MountDir  string // where volumes are mounted, default /run/outpost/metadata
	// HTTP is used for seed URLs, outpost.config_url and IMDS; nil means a
	// client with bounded dial and request times.
	HTTP *http.Client
}

func (p Paths) withDefaults() Paths {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&p.Cmdline, "/proc/cmdline")
	def(&p.SysRoot, "/sys")
	def(&p.DevRoot, "/dev")
	def(&p.StateFile, config.StatePath)
	def(&p.IMDSURL, DefaultIMDSURL)
	def(&p.MountDir, paths.MetadataMountDir)
	if p.HTTP == nil {
		p.HTTP = NewHTTPClient(3*time.Second, 10*time.Second)
	}
	return p
}

// DefaultSources lists every source in precedence order.
func DefaultSources(p Paths) []Source {
	p = p.withDefaults()
	return []Source{
		&CmdlineSource{Path: p.Cmdline},
		&ConfigURLSource{Cmdline: p.Cmdline, HTTP: p.HTTP},
		&FwCfgSource{SysRoot: p.SysRoot},
		&NoCloudSource{Cmdline: p.Cmdline, SysRoot: p.SysRoot, DevRoot: p.DevRoot, MountDir: p.MountDir, HTTP: p.HTTP},
		&ConfigDriveSource{SysRoot: p.SysRoot, DevRoot: p.DevRoot, MountDir: p.MountDir},
		&EC2Source{BaseURL: p.IMDSURL, HTTP: p.HTTP},
		&StateSource{Path: p.StateFile},
	}
}

// ErrNoConfig is part of Load's error when no source had anything.
var ErrNoConfig = errors.New("no configuration found in any source")

// SourceError is a source that is present but could not be read or holds
// invalid content.
type SourceError struct {
	Source string
	Err    error
}

func (e *SourceError) Error() string { return fmt.Sprintf("%s: %v", e.Source, e.Err) }
func (e *SourceError) Unwrap() error { return e.Err }

// sourceErr names the source in front of err unless it already starts with it.
func sourceErr(source string, err error) error {
	var ce config.Errors
	if errors.As(err, &ce) {
		return err // each FieldError already names its source
	}
	return &SourceError{Source: source, Err: err}
}

// logger returns l or the default logger.
func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// withOrigin puts where a source found its data into its errors:
// "nocloud user-data: line 3: ..." becomes
// "nocloud (/dev/sr0) user-data: line 3: ...".
func withOrigin(err error, origin string) error {
	var es config.Errors
	if !errors.As(err, &es) {
		return fmt.Errorf("%s: %w", origin, err)
	}
	out := make(config.Errors, len(es))
	for i, e := range es {
		name, rest, _ := strings.Cut(e.Source, " ")
		e.Source = name + " (" + origin + ")"
		if rest != "" {
			e.Source += " " + rest
		}
		out[i] = e
	}
	return out
}
