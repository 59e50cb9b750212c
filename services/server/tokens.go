package server

import (
	"fmt"
	"os"
	"strings"

	"github.com/outpost-os/outpost/services/token"
)

// givenTokens returns the server and agent tokens given by flag,
// environment, config file or token file ("" when none), checked for form
// before anything is written.
func (o *Options) givenTokens() (server, agent string, err error) {
	server, err = givenToken(o.Token, o.TokenFile, "--token")
	if err != nil {
		return "", "", err
	}
	agent, err = givenToken(o.AgentToken, o.AgentTokenFile, "--agent-token")
	if err != nil {
		return "", "", err
	}
	return server, agent, nil
}

func givenToken(value, file, flag string) (string, error) {
	if value != "" && file != "" {
		return "", fmt.Errorf("%s and %s-file are both given; use one", flag, flag)
	}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("%s-file: %w", flag, err)
		}
		value = strings.TrimSpace(string(data))
		if value == "" {
			return "", fmt.Errorf("%s-file %s is empty", flag, file)
		}
	}
	if value == "" {
		return "", nil
	}
	if _, err := token.Parse(value); err != nil {
		// The error must not quote the value: it is a secret.
		return "", fmt.Errorf("%s is malformed: %w", flag, err)
	}
	return value, nil
}
