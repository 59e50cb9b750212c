//go:build !initramfs

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/server"
	"github.com/outpost-os/outpost/services/token"
)

// runToken manages the cluster's tokens: `outpost token rotate` replaces
// the agent token through the join API, with the server token.
func runToken(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "rotate" {
		return errors.New("usage: outpost token rotate [--server URL] [--token-file FILE] [--new-token-file FILE]")
	}
	fs := flag.NewFlagSet("token rotate", flag.ContinueOnError)
	joinURL := fs.String("server", fmt.Sprintf("https://127.0.0.1:%d", paths.JoinAPIPort), "join API of a server")
	tokenFile := fs.String("token-file", "", "file holding the server token (default: "+defaultServerTokenFile()+" when it exists, else $"+envToken+")")
	newFile := fs.String("new-token-file", "", "file holding the new agent token's secret (default: a random one)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%d unexpected arguments: secrets are read from files, never the command line", fs.NArg())
	}
	if *tokenFile == "" {
		if _, err := os.Stat(defaultServerTokenFile()); err == nil {
			*tokenFile = defaultServerTokenFile()
		}
	}
	tok, err := serverToken(*tokenFile)
	if err != nil {
		return err
	}
	var secret string
	if *newFile != "" {
		data, err := os.ReadFile(*newFile)
		if err != nil {
			return fmt.Errorf("new agent token: %w", err)
		}
		secret = strings.TrimSpace(string(data))
	}
	agent, err := rotateAgentToken(ctx, *joinURL, tok, secret)
	if err != nil {
		return err
	}
	fmt.Println(agent.Encode())
	fmt.Fprintln(os.Stderr, "rotated the agent token: joined nodes keep working; new boxes join with the token above")
	return nil
}

func defaultServerTokenFile() string {
	return filepath.Join(server.DefaultDataDir, "server", token.ServerFile)
}

func rotateAgentToken(ctx context.Context, joinURL string, tok token.Token, secret string) (token.Token, error) {
	c, err := pinnedClient(ctx, joinURL, tok)
	if err != nil {
		return token.Token{}, err
	}
	defer c.Close()
	return c.RotateAgentToken(ctx, secret)
}
