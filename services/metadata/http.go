package metadata

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/outpost-os/outpost/services/config"
)

// NewHTTPClient returns a client for metadata servers: dial bounded by dial,
// each whole request by total, no proxy from the environment, and no
// redirects to other hosts' credentials (redirects are followed up to 3).
func NewHTTPClient(dial, total time.Duration) *http.Client {
	d := &net.Dialer{Timeout: dial}
	return &http.Client{
		Timeout: total,
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			ResponseHeaderTimeout: total,
			TLSHandshakeTimeout:   dial,
			MaxIdleConns:          2,
			IdleConnTimeout:       time.Second,
		},
		CheckRedirect: func(_ *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return errors.New("too many redirects")
			}
			return nil
		},
	}
}

// errUnreachable marks a server that could not be connected to at all: for
// a source that is only probed (IMDS) it means "not present".
var errUnreachable = errors.New("unreachable")

// fetch does one request and reads at most config.MaxSize bytes of the
// answer. It returns the status code; only transport problems are errors.
func fetch(ctx context.Context, client *http.Client, method, url string, header http.Header) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("request %s: %w", url, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return nil, 0, fmt.Errorf("%s %s: %w: %w", method, url, errUnreachable, err)
		}
		return nil, 0, fmt.Errorf("%s %s: %w", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, config.MaxSize+1))
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("read answer of %s %s: %w", method, url, err)
	}
	if len(body) > config.MaxSize {
		return nil, resp.StatusCode, fmt.Errorf("answer of %s %s is over the %d byte limit", method, url, config.MaxSize)
	}
	return body, resp.StatusCode, nil
}

// getOptional GETs url: a 404 means absent (nil, false, nil); any status
// other than 200 and 404 is an error.
func getOptional(ctx context.Context, client *http.Client, url string, header http.Header) ([]byte, bool, error) {
	body, status, err := fetch(ctx, client, http.MethodGet, url, header)
	switch {
	case err != nil:
		return nil, false, err
	case status == http.StatusNotFound:
		return nil, false, nil
	case status != http.StatusOK:
		return nil, false, fmt.Errorf("GET %s: server answered %d %s", url, status, http.StatusText(status))
	}
	return body, true, nil
}
