package metadata

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// DefaultIMDSURL is where EC2-style instance metadata answers.
const DefaultIMDSURL = "http://169.254.169.254"

// IMDSv2 headers.
const (
	imdsTokenHeader = "X-aws-ec2-metadata-token"
	imdsTTLHeader   = "X-aws-ec2-metadata-token-ttl-seconds"
	imdsTTL         = "300"
)

// EC2Source is an EC2-style instance metadata service, spoken as IMDSv2: a
// session token from PUT /latest/api/token first, then GETs with it.
type EC2Source struct {
	BaseURL string
	HTTP    *http.Client
}

// Name implements Source.
func (s *EC2Source) Name() string { return config.SourceEC2 }

// NeedsNetwork implements Networked.
func (s *EC2Source) NeedsNetwork() bool { return true }

// Fetch implements Source. A server that cannot be connected to, or that
// answers the token request with 404 or 405, is not there (no error); a
// server that answers 5xx or stops answering is an error.
func (s *EC2Source) Fetch(ctx context.Context) (*config.Layer, error) {
	base := strings.TrimSuffix(s.BaseURL, "/")
	token, err := s.token(ctx, base)
	if err != nil || token == "" {
		return nil, err
	}
	hdr := http.Header{imdsTokenHeader: {token}}
	meta := map[string]string{}
	for _, key := range []string{"instance-id", "local-hostname", "local-ipv4"} {
		body, found, err := getOptional(ctx, s.HTTP, base+"/latest/meta-data/"+key, hdr)
		if err != nil {
			return nil, fmt.Errorf("meta-data: %w", err)
		}
		if found {
			meta[key] = strings.TrimSpace(string(body))
		}
	}
	userData, found, err := getOptional(ctx, s.HTTP, base+"/latest/user-data", hdr)
	if err != nil {
		return nil, fmt.Errorf("user-data: %w", err)
	}
	return ec2Layer(meta, userData, found, base)
}

func (s *EC2Source) token(ctx context.Context, base string) (string, error) {
	body, status, err := fetch(ctx, s.HTTP, http.MethodPut, base+"/latest/api/token", http.Header{imdsTTLHeader: {imdsTTL}})
	switch {
	case errors.Is(err, errUnreachable):
		return "", nil
	case err != nil:
		return "", fmt.Errorf("session token: %w", err)
	case status == http.StatusNotFound || status == http.StatusMethodNotAllowed:
		return "", nil
	case status != http.StatusOK:
		return "", fmt.Errorf("session token: PUT %s/latest/api/token answered %d %s", base, status, http.StatusText(status))
	}
	token := strings.TrimSpace(string(body))
	if token == "" {
		return "", fmt.Errorf("session token: PUT %s/latest/api/token answered an empty token", base)
	}
	return token, nil
}

// ec2Layer builds the layer: meta-data under user-data.
func ec2Layer(meta map[string]string, userData []byte, hasUserData bool, origin string) (*config.Layer, error) {
	host, _, _ := strings.Cut(meta["local-hostname"], ".")
	l := config.LayerOf(config.SourceEC2, config.Config{InstanceID: meta["instance-id"], Hostname: host, NodeIP: meta["local-ipv4"]})
	if hasUserData && len(userData) > 0 {
		ud, err := cloudinit.DecodeUserData(config.SourceEC2, userData)
		if err != nil {
			return nil, withOrigin(fileErr("user-data", err), origin)
		}
		l.Overlay(ud)
	}
	l.Origin = origin
	return l, nil
}
