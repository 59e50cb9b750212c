package token

import (
	"errors"
	"fmt"
	"strings"
)

// Parse reads a token in the full form K10<hash>::<user>:<secret> or as a
// bare secret. Surrounding white space (a file's trailing newline) is
// ignored. A bare secret gives a Token without CA hash and user (see HasCA
// and WithUser). Errors never quote the input.
func Parse(s string) (Token, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Token{}, errors.New("token is empty")
	}
	if len(s) > maxLen {
		return Token{}, fmt.Errorf("token is longer than %d bytes", maxLen)
	}
	if !strings.HasPrefix(s, prefix) || !strings.Contains(s, "::") {
		if err := checkSecret(s); err != nil {
			return Token{}, fmt.Errorf("bare token: %w", err)
		}
		return Token{secret: s}, nil
	}
	return parseFull(strings.TrimPrefix(s, prefix))
}

func parseFull(s string) (Token, error) {
	hash, creds, _ := strings.Cut(s, "::")
	if len(hash) != hashHexLen || !isHex(hash) {
		return Token{}, fmt.Errorf("token: the CA hash after K10 must be %d hex digits (sha256 of server-ca.crt)", hashHexLen)
	}
	user, secret, ok := strings.Cut(creds, ":")
	if !ok {
		return Token{}, errors.New("token: want K10<hash>::<user>:<secret>, found no ':' after the user")
	}
	if err := checkUser(user); err != nil {
		return Token{}, err
	}
	if err := checkSecret(secret); err != nil {
		return Token{}, err
	}
	return Token{caHash: strings.ToLower(hash), user: user, secret: secret}, nil
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
