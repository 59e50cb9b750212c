package metadata

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/outpost-os/outpost/services/config"
)

// ConfigURLSource fetches the file named by outpost.config_url= on the
// kernel command line (a config.yaml or user-data over http or https).
type ConfigURLSource struct {
	Cmdline string
	HTTP    *http.Client
}

// Name implements Source.
func (s *ConfigURLSource) Name() string { return config.SourceConfigURL }

func (s *ConfigURLSource) url() string {
	c, err := readCmdline(s.Cmdline)
	if err != nil {
		return ""
	}
	return c.ConfigURL
}

// NeedsNetwork implements Networked.
func (s *ConfigURLSource) NeedsNetwork() bool { return s.url() != "" }

// Fetch implements Source. An unreachable URL or a 404 is an error: the
// kernel command line asked for it.
func (s *ConfigURLSource) Fetch(ctx context.Context) (*config.Layer, error) {
	raw := s.url()
	if raw == "" {
		return nil, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("outpost.config_url=%q: only http:// and https:// URLs are supported", raw)
	}
	body, status, err := fetch(ctx, s.HTTP, http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: server answered %d %s", raw, status, http.StatusText(status))
	}
	l, err := DecodeConfig(config.SourceConfigURL, body)
	if err != nil {
		return nil, withOrigin(err, raw)
	}
	l.Origin = raw
	return l, nil
}
