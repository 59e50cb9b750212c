package config

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
)

// WriteFile is a file PID 1 writes at boot, as cloud-init's write_files.
type WriteFile struct {
	Path    string `json:"path" yaml:"path"`
	Content string `json:"content,omitempty" yaml:"content,omitempty"`
	// Permissions is an octal mode such as "0644" (default 0644).
	Permissions string `json:"permissions,omitempty" yaml:"permissions,omitempty"`
	// Encoding of Content: "" (plain), "b64"/"base64", "gzip"/"gz", or
	// "gz+b64"/"gzip+base64" (and the other spellings cloud-init accepts).
	Encoding string `json:"encoding,omitempty" yaml:"encoding,omitempty"`
	// Owner is accepted for cloud-init compatibility; files are owned by
	// root, and another owner is a validation error.
	Owner  string `json:"owner,omitempty" yaml:"owner,omitempty"`
	Append bool   `json:"append,omitempty" yaml:"append,omitempty"`
}

// DefaultFileMode is the mode of a write_files entry without permissions.
const DefaultFileMode fs.FileMode = 0o644

// Mode parses Permissions.
func (w WriteFile) Mode() (fs.FileMode, error) {
	if w.Permissions == "" {
		return DefaultFileMode, nil
	}
	m, err := strconv.ParseUint(strings.TrimSpace(w.Permissions), 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("permissions %q is not an octal mode such as \"0644\"", w.Permissions)
	}
	return fs.FileMode(m&0o777) | specialBits(m), nil
}

func specialBits(m uint64) fs.FileMode {
	var mode fs.FileMode
	if m&0o4000 != 0 {
		mode |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		mode |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		mode |= fs.ModeSticky
	}
	return mode
}

// Decode returns the file's bytes with Encoding undone, at most MaxSize.
func (w WriteFile) Decode() ([]byte, error) {
	data := []byte(w.Content)
	gz, b64, err := encodingSteps(w.Encoding)
	if err != nil {
		return nil, err
	}
	if b64 {
		if data, err = DecodeBase64(data); err != nil {
			return nil, err
		}
	}
	if gz {
		return Gunzip(data)
	}
	return data, nil
}

func encodingSteps(enc string) (gz, b64 bool, err error) {
	switch strings.ToLower(strings.TrimSpace(enc)) {
	case "", "text/plain":
		return false, false, nil
	case "b64", "base64":
		return false, true, nil
	case "gz", "gzip":
		return true, false, nil
	case "gz+b64", "gz+base64", "gzip+b64", "gzip+base64":
		return true, true, nil
	}
	return false, false, fmt.Errorf("encoding %q is not one of b64, base64, gz, gzip, gz+b64, gzip+base64", enc)
}

// DecodeBase64 decodes standard base64, padded or not, ignoring white
// space, as cloud-init writes it.
func DecodeBase64(data []byte) ([]byte, error) {
	clean := bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, data)
	out, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		out, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(string(clean), "="))
	}
	if err != nil {
		return nil, fmt.Errorf("content is not valid base64: %w", err)
	}
	return out, nil
}

// Gunzip decompresses data, refusing output over MaxSize (a zip bomb in
// user-data must not eat the box's memory).
func Gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("content is not gzip: %w", err)
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("gunzip content: %w", err)
	}
	if len(out) > MaxSize {
		return nil, fmt.Errorf("content is over the %d byte limit once decompressed", MaxSize)
	}
	return out, nil
}
