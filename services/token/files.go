package token

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/pki"
)

// File names under <data-dir>/server.
const (
	ServerFile = "token"
	AgentFile  = "agent-token"
	// RotatedFile marks an agent token set by RotateAgent: from then on
	// the stored one wins over an --agent-token the server is started
	// with (its provisioning still carries the old one).
	RotatedFile = "agent-token.rotated"
)

// ErrMismatch is wrapped by EnsureServer's error when a given token differs
// from the one the data directory was bootstrapped with.
var ErrMismatch = errors.New("bootstrap data already found with a different token")

// ReadFile reads a token from a file (a token file, or a file given with
// --token-file). The error names the file, never its content.
func ReadFile(path string) (Token, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Token{}, fmt.Errorf("read token file: %w", err)
	}
	t, err := Parse(string(data))
	if err != nil {
		return Token{}, fmt.Errorf("token file %s: %w", path, err)
	}
	return t, nil
}

// EnsureServer returns the server and agent tokens of the server whose data
// lives in serverDir (<data-dir>/server), pinned to caPEM (the bytes of
// server-ca.crt). given and givenAgent are the --token and --agent-token
// values ("" when not given; full form or bare secret).
//
// A stored token is kept across restarts; a token given again must have the
// stored secret, otherwise the error wraps ErrMismatch and nothing is
// written. A token neither given nor stored is generated. Both files are
// written (0600) only after both tokens were checked.
func EnsureServer(serverDir, given, givenAgent string, caPEM []byte) (server, agent Token, err error) {
	if len(caPEM) == 0 {
		return Token{}, Token{}, errors.New("server tokens: the server CA certificate is empty")
	}
	serverPath := filepath.Join(serverDir, ServerFile)
	agentPath := filepath.Join(serverDir, AgentFile)
	server, writeServer, err := resolve(serverPath, given, UserServer, caPEM)
	if err != nil {
		return Token{}, Token{}, err
	}
	if givenAgent != "" && rotated(serverDir) {
		slog.Default().Warn("--agent-token ignored: the agent token was rotated (outpost token rotate); the rotated one is kept", "file", agentPath)
		givenAgent = ""
	}
	agent, writeAgent, err := resolve(agentPath, givenAgent, UserNode, caPEM)
	if err != nil {
		return Token{}, Token{}, err
	}
	if agent.Secret() == server.Secret() {
		return Token{}, Token{}, errors.New("the agent token's secret is the server token's: the agent token sits on every box and must not be the key to the cluster; give a different --agent-token (or none, and one is made)")
	}
	if writeServer {
		if err := write(serverPath, server); err != nil {
			return Token{}, Token{}, err
		}
	}
	if writeAgent {
		if err := write(agentPath, agent); err != nil {
			return Token{}, Token{}, err
		}
	}
	return server, agent, nil
}

func flagName(user string) string {
	if user == UserNode {
		return "--agent-token"
	}
	return "--token"
}

// resolve decides the token stored at path; write tells whether the file
// must be (re)written.
func resolve(path, given, user string, caPEM []byte) (tok Token, write bool, err error) {
	var g Token
	if given != "" {
		if g, err = checkGiven(given, user, caPEM); err != nil {
			return Token{}, false, err
		}
	}
	stored, err := readStored(path, user)
	if err != nil {
		return Token{}, false, err
	}
	switch {
	case !stored.IsZero():
		if given != "" && g.secret != stored.secret {
			return Token{}, false, fmt.Errorf("%s does not match the token stored in %s: %w; pass the token this server was first started with, or use an empty data directory", flagName(user), path, ErrMismatch)
		}
		tok = stored.WithCA(caPEM)
		if tok.caHash != stored.caHash {
			slog.Default().Info("server CA changed since the token was stored; updating the token's CA hash", "file", path, "old_hash", stored.caHash, "new_hash", tok.caHash)
			return tok, true, nil
		}
		return tok, false, nil
	case given != "":
		tok, err = New(user, g.secret, caPEM)
		return tok, true, err
	default:
		tok, err = Generate(user, caPEM)
		return tok, true, err
	}
}

func checkGiven(given, user string, caPEM []byte) (Token, error) {
	g, err := Parse(given)
	if err != nil {
		return Token{}, fmt.Errorf("%s: %w", flagName(user), err)
	}
	if g.user != "" && g.user != user {
		return Token{}, fmt.Errorf("%s: token user is %q, want %q", flagName(user), g.user, user)
	}
	if err := g.VerifyCA(caPEM); err != nil {
		return Token{}, fmt.Errorf("%s: %w", flagName(user), err)
	}
	return g, nil
}

func readStored(path, user string) (Token, error) {
	t, err := ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Token{}, nil
	}
	if err != nil {
		return Token{}, fmt.Errorf("%w; restore the file from a backup or remove it to start a new cluster", err)
	}
	if t.user != user || !t.HasCA() {
		return Token{}, fmt.Errorf("token file %s is not a full K10 token of user %q; restore it from a backup", path, user)
	}
	return t, nil
}

func write(path string, t Token) error {
	if err := pki.WriteFileAtomic(path, []byte(t.Encode()+"\n"), 0o600); err != nil {
		return fmt.Errorf("store token: %w", err)
	}
	return nil
}

// rotated tells whether the agent token in serverDir was set by
// RotateAgent.
func rotated(serverDir string) bool {
	_, err := os.Stat(filepath.Join(serverDir, RotatedFile))
	return err == nil
}

// RotateAgent replaces the agent token stored in serverDir with one of
// secret given (a random one when empty) and returns it. Nodes that
// joined keep their certificates; new joins need the new token. The
// server token's secret is refused, as EnsureServer refuses it.
func RotateAgent(serverDir, given string, server Token, caPEM []byte) (Token, error) {
	var agent Token
	var err error
	if given == "" {
		agent, err = Generate(UserNode, caPEM)
	} else if agent, err = checkGiven(given, UserNode, caPEM); err == nil {
		agent, err = New(UserNode, agent.secret, caPEM)
	}
	if err != nil {
		return Token{}, fmt.Errorf("rotate agent token: %w", err)
	}
	if agent.Secret() == server.Secret() {
		return Token{}, errors.New("rotate agent token: the new secret is the server token's; choose another")
	}
	if err := pki.WriteFileAtomic(filepath.Join(serverDir, RotatedFile), []byte("the agent token was rotated; --agent-token is ignored\n"), 0o600); err != nil {
		return Token{}, fmt.Errorf("rotate agent token: %w", err)
	}
	if err := write(filepath.Join(serverDir, AgentFile), agent); err != nil {
		return Token{}, fmt.Errorf("rotate agent token: %w", err)
	}
	return agent, nil
}
