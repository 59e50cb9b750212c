//go:build !initramfs

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/token"
)

// envToken holds the server token when no --token-file is given.
const envToken = "OUTPOST_TOKEN"

// runKubeconfig fetches an admin kubeconfig from a server's join API with
// the server token: the token's CA hash pins the server's CA first.
func runKubeconfig(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("kubeconfig", flag.ContinueOnError)
	server := fs.String("server", "", fmt.Sprintf("join API of the server, https://HOST:%d (required)", paths.JoinAPIPort))
	tokenFile := fs.String("token-file", "", "file holding the server token (default: $"+envToken+")")
	out := fs.String("out", "", "write the kubeconfig to this file (0600, atomically) instead of stdout")
	apiServer := fs.String("api-server", "", "apiserver URL to put in the kubeconfig, e.g. a port forward (default: the server's advertise address)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		// Not quoted: a token pasted here must not reach the terminal log.
		return fmt.Errorf("%d unexpected arguments: the token is read from --token-file or $%s, never the command line", fs.NArg(), envToken)
	}
	if *server == "" {
		return fmt.Errorf("--server is required, e.g. --server https://10.0.0.1:%d", paths.JoinAPIPort)
	}
	tok, err := serverToken(*tokenFile)
	if err != nil {
		return err
	}
	data, err := fetchAdminKubeconfig(ctx, *server, tok, *apiServer)
	if err != nil {
		return err
	}
	if *out == "" {
		_, err := os.Stdout.Write(data)
		return err
	}
	if err := atomicfile.Write(*out, data, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote the admin kubeconfig to %s: kubectl --kubeconfig %s get nodes\n", *out, *out)
	return nil
}

// serverToken reads the token from file, or from $OUTPOST_TOKEN when file
// is "". A bare secret is taken as the server token's.
func serverToken(file string) (token.Token, error) {
	var tok token.Token
	var err error
	switch {
	case file != "":
		tok, err = token.ReadFile(file)
	case os.Getenv(envToken) != "":
		if tok, err = token.Parse(os.Getenv(envToken)); err != nil {
			err = fmt.Errorf("$%s: %w", envToken, err)
		}
	default:
		return token.Token{}, fmt.Errorf("no token: give the server token with --token-file FILE or $%s", envToken)
	}
	if err != nil {
		return token.Token{}, err
	}
	if tok.User() == "" {
		return tok.WithUser(token.UserServer)
	}
	return tok, nil
}

// fetchAdminKubeconfig pins the server's CA with tok (joinapi.FetchCA)
// and fetches the admin kubeconfig, pointing at apiServer when given. The
// errors say what the server's refusal means.
func fetchAdminKubeconfig(ctx context.Context, joinURL string, tok token.Token, apiServer string) ([]byte, error) {
	c, err := pinnedClient(ctx, joinURL, tok)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	data, err := c.AdminKubeconfig(ctx, apiServer)
	var se *joinapi.StatusError
	switch {
	case err == nil:
		return data, nil
	case errors.As(err, &se) && se.Code == http.StatusUnauthorized:
		return nil, fmt.Errorf("the server refused the token (401): %s", se.Message)
	case errors.As(err, &se) && se.Code == http.StatusForbidden:
		return nil, errors.New("this token is an agent token: admin access needs the server token (403)")
	}
	return nil, fmt.Errorf("fetch the admin kubeconfig from %s: %w", joinURL, err)
}

// pinnedClient is a join API client that trusts the server's CA only once
// its hash matches tok's (joinapi.FetchCA).
func pinnedClient(ctx context.Context, joinURL string, tok token.Token) (*joinapi.Client, error) {
	ca, err := joinapi.FetchCA(ctx, joinURL, tok)
	if err != nil {
		return nil, err
	}
	return joinapi.NewClient(joinURL, tok, ca)
}
