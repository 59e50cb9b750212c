// Package token owns the cluster join tokens: their K10 format
// (K10<sha256 of server-ca.crt>::<user>:<secret>), parsing, generation, the
// CA-hash check an agent does before trusting a server, and the token files
// of a server (<data-dir>/server/token and agent-token, mode 0600).
//
// A Token's String and slog forms hide the secret; Encode gives the full
// form, for files and nothing else.
package token
