package metadata

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// ConfigURLSource fetches the file named by outpost.config_url= on the
// kernel command line (a config.yaml or user-data over http or https).
//
// The file decides the node's role, server and token, so whoever can
// change it on the way owns the box: a plain http URL is refused unless
// outpost.config_sha256= pins the file's hash or outpost.config_insecure=
// true says the user accepts that, and an https URL may not redirect to
// http.
type ConfigURLSource struct {
	Cmdline string
	HTTP    *http.Client
}

// Name implements Source.
func (s *ConfigURLSource) Name() string { return config.SourceConfigURL }

func (s *ConfigURLSource) cmdline() *Cmdline {
	c, err := readCmdline(s.Cmdline)
	if err != nil {
		return &Cmdline{}
	}
	return c
}

// NeedsNetwork implements Networked.
func (s *ConfigURLSource) NeedsNetwork() bool { return s.cmdline().ConfigURL != "" }

// Fetch implements Source. An unreachable URL or a 404 is an error: the
// kernel command line asked for it.
func (s *ConfigURLSource) Fetch(ctx context.Context) (*config.Layer, error) {
	c := s.cmdline()
	raw := c.ConfigURL
	if raw == "" {
		return nil, nil
	}
	plainOK, err := checkConfigURL(c)
	if err != nil {
		return nil, err
	}
	body, status, err := fetch(ctx, s.client(plainOK), http.MethodGet, raw, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("GET %s: server answered %d %s", raw, status, http.StatusText(status))
	}
	if c.ConfigSHA256 != "" {
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != c.ConfigSHA256 {
			return nil, fmt.Errorf("outpost.config_url=%s: the file's sha256 is %x, outpost.config_sha256= says %s; fix the file or the hash", raw, sum, c.ConfigSHA256)
		}
	}
	l, err := cloudinit.DecodeConfig(config.SourceConfigURL, body)
	if err != nil {
		return nil, withOrigin(err, raw)
	}
	l.Origin = raw
	return l, nil
}

// checkConfigURL validates the URL and says whether plain http may be
// used for it.
func checkConfigURL(c *Cmdline) (plainOK bool, err error) {
	raw := c.ConfigURL
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false, fmt.Errorf("outpost.config_url=%q: only http:// and https:// URLs are supported", raw)
	}
	if c.ConfigSHA256 != "" {
		if b, err := hex.DecodeString(c.ConfigSHA256); err != nil || len(b) != sha256.Size {
			return false, fmt.Errorf("outpost.config_sha256=%q: want 64 hex digits (sha256sum of the file)", c.ConfigSHA256)
		}
	}
	plainOK = c.ConfigSHA256 != "" || c.ConfigInsecure
	if u.Scheme == "http" && !plainOK {
		return false, fmt.Errorf("outpost.config_url=%s: plain http lets anyone on the path give this box its role and token; "+
			"serve it over https, pin it with outpost.config_sha256=HEX, or accept the risk with outpost.config_insecure=true", raw)
	}
	return plainOK, nil
}

// errDowngrade refuses a redirect from https to http.
var errDowngrade = errors.New("redirect from https to plain http refused (pin the file with outpost.config_sha256= to allow it)")

// client is s.HTTP with redirects to plain http refused unless plainOK.
func (s *ConfigURLSource) client(plainOK bool) *http.Client {
	cl := http.DefaultClient
	if s.HTTP != nil {
		cl = s.HTTP
	}
	if plainOK {
		return cl
	}
	c := *cl
	next := cl.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Scheme != "https" {
			return errDowngrade
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}
