package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"unicode"
)

// Users of a token: the server token carries "server", the agent token
// "node".
const (
	UserServer = "server"
	UserNode   = "node"
)

const (
	prefix       = "K10"
	maxLen       = 4096
	secretBytes  = 32
	hashHexLen   = 2 * sha256.Size
	redactedText = "<redacted>"
)

// Token is a parsed join token. Its fields are unexported so that printing
// a Token with fmt or slog never shows the secret.
type Token struct {
	caHash string // lowercase hex SHA-256 of server-ca.crt; "" for a bare secret
	user   string // UserServer, UserNode, or "" for a bare secret
	secret string
}

// New builds a token for user with the CA hash of caPEM (the bytes of
// server-ca.crt; nil for none).
func New(user, secret string, caPEM []byte) (Token, error) {
	if err := checkUser(user); err != nil {
		return Token{}, err
	}
	if err := checkSecret(secret); err != nil {
		return Token{}, err
	}
	t := Token{user: user, secret: secret}
	if caPEM != nil {
		t.caHash = CAHash(caPEM)
	}
	return t, nil
}

// Generate makes a token for user with a random secret from crypto/rand.
func Generate(user string, caPEM []byte) (Token, error) {
	b := make([]byte, secretBytes)
	if _, err := rand.Read(b); err != nil {
		return Token{}, fmt.Errorf("generate %s token: %w", user, err)
	}
	return New(user, hex.EncodeToString(b), caPEM)
}

// CAHash is the lowercase hex SHA-256 of the server-ca.crt file's bytes.
func CAHash(caPEM []byte) string {
	sum := sha256.Sum256(caPEM)
	return hex.EncodeToString(sum[:])
}

// CAHash is the pinned CA hash, or "" for a bare secret.
func (t Token) CAHash() string { return t.caHash }

// HasCA tells whether the token pins the server's CA. A bare secret does
// not: whoever uses it must warn that the server is not authenticated.
func (t Token) HasCA() bool { return t.caHash != "" }

// User is the token's user, or "" for a bare secret.
func (t Token) User() string { return t.user }

// Secret is the password part of the token.
func (t Token) Secret() string { return t.secret }

// IsZero tells whether t is the zero Token.
func (t Token) IsZero() bool { return t == Token{} }

// WithUser returns t with its user set, e.g. to complete a bare secret.
func (t Token) WithUser(user string) (Token, error) {
	if err := checkUser(user); err != nil {
		return Token{}, err
	}
	t.user = user
	return t, nil
}

// WithCA returns t pinned to the CA whose certificate file is caPEM.
func (t Token) WithCA(caPEM []byte) Token {
	t.caHash = CAHash(caPEM)
	return t
}

// Encode is the full token, secret included: K10<hash>::<user>:<secret>, or
// the bare secret when t has no CA hash or no user. Write it to 0600 files
// only; never log it or pass it in argv.
func (t Token) Encode() string {
	if t.caHash == "" || t.user == "" {
		return t.secret
	}
	return prefix + t.caHash + "::" + t.user + ":" + t.secret
}

// String is the token with its secret hidden, safe for logs.
func (t Token) String() string {
	if t.caHash == "" || t.user == "" {
		return redactedText
	}
	return prefix + t.caHash + "::" + t.user + ":" + redactedText
}

// GoString hides the secret from %#v too.
func (t Token) GoString() string { return "token.Token(" + t.String() + ")" }

// LogValue hides the secret from log/slog.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }

// VerifyCA checks that caPEM, the server-ca.crt bytes a server sent, is the
// CA the token pins. A bare secret pins nothing and always passes; the
// caller must have warned about that.
func (t Token) VerifyCA(caPEM []byte) error {
	if t.caHash == "" {
		return nil
	}
	if got := CAHash(caPEM); got != t.caHash {
		return fmt.Errorf("server CA hash %s does not match the token's CA hash %s: the server is not the one the token was made for, or its CA changed", got, t.caHash)
	}
	return nil
}

// Equal tells whether two tokens have the same secret, user and CA hash.
func (t Token) Equal(o Token) bool { return t == o }

func checkUser(user string) error {
	if user != UserServer && user != UserNode {
		return fmt.Errorf("token user must be %q or %q", UserServer, UserNode)
	}
	return nil
}

func checkSecret(s string) error {
	switch {
	case s == "":
		return errors.New("token secret is empty")
	case len(s) > maxLen:
		return fmt.Errorf("token secret is longer than %d bytes", maxLen)
	case strings.ContainsFunc(s, badSecretRune):
		return errors.New("token secret may only hold printable ASCII other than ':' and spaces")
	}
	return nil
}

func badSecretRune(r rune) bool {
	return r > unicode.MaxASCII || !unicode.IsPrint(r) || unicode.IsSpace(r) || r == ':'
}
