package server

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// envSecretsFD names the inherited pipe that carries the secrets a re-exec
// moved out of the command line.
const envSecretsFD = "OUTPOST_SECRETS_FD"

// secrets are the values that must not stay in /proc/<pid>/cmdline.
type secrets struct {
	Token      string `json:"token,omitempty"`
	AgentToken string `json:"agentToken,omitempty"`
}

// secretFlags are the flags whose values are secrets.
func secretFlags() []string { return []string{flagToken, flagAgent} }

// hideSecrets replaces the process image with the same binary and argv
// without the secret flags; the secrets travel through an inherited pipe.
// It returns only on error, or when argv carries no secret.
func hideSecrets(argv []string) error {
	rest, s := splitSecrets(argv)
	if s == (secrets{}) {
		return nil
	}
	fd, err := secretPipe(s)
	if err != nil {
		return err
	}
	env := append(os.Environ(), envSecretsFD+"="+strconv.Itoa(fd))
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("hide secrets from the command line: %w", err)
	}
	if err := syscall.Exec(exe, rest, env); err != nil {
		return fmt.Errorf("hide secrets from the command line: re-exec %s: %w", exe, err)
	}
	return nil
}

// splitSecrets removes --token/--agent-token (with "=value" or a separate
// value, one or two dashes) from argv and returns their values.
func splitSecrets(argv []string) ([]string, secrets) {
	var s secrets
	rest := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		if i > 0 && argv[i] == "--" {
			rest = append(rest, argv[i:]...)
			break
		}
		name, value, hasValue, ok := secretArg(argv[i])
		if !ok || i == 0 {
			rest = append(rest, argv[i])
			continue
		}
		if !hasValue && i+1 < len(argv) {
			i++
			value = argv[i]
		}
		if name == flagToken {
			s.Token = value
		} else {
			s.AgentToken = value
		}
	}
	return rest, s
}

func secretArg(arg string) (name, value string, hasValue, ok bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", "", false, false
	}
	body := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, value, hasValue = strings.Cut(body, "=")
	for _, f := range secretFlags() {
		if name == f {
			return name, value, hasValue, true
		}
	}
	return "", "", false, false
}

// secretPipe writes s into a pipe whose read end survives exec, and returns
// that end.
func secretPipe(s secrets) (int, error) {
	data, err := json.Marshal(s)
	if err != nil {
		return 0, err
	}
	var p [2]int
	if err := unix.Pipe2(p[:], 0); err != nil {
		return 0, fmt.Errorf("hide secrets from the command line: pipe: %w", err)
	}
	unix.CloseOnExec(p[1])
	w := os.NewFile(uintptr(p[1]), "secrets")
	defer w.Close()
	if _, err := w.Write(data); err != nil {
		unix.Close(p[0])
		return 0, fmt.Errorf("hide secrets from the command line: %w", err)
	}
	return p[0], nil
}

// inheritedSecrets reads the secrets a previous image of this process put
// into the pipe named by $OUTPOST_SECRETS_FD, once.
func inheritedSecrets() (secrets, error) {
	v := os.Getenv(envSecretsFD)
	if v == "" {
		return secrets{}, nil
	}
	os.Unsetenv(envSecretsFD)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return secrets{}, fmt.Errorf("$%s=%q is not a file descriptor", envSecretsFD, v)
	}
	f := os.NewFile(uintptr(fd), "secrets")
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return secrets{}, fmt.Errorf("read secrets from fd %d: %w", fd, err)
	}
	var s secrets
	if err := json.Unmarshal(data, &s); err != nil {
		return secrets{}, fmt.Errorf("read secrets from fd %d: not the expected form", fd)
	}
	return s, nil
}
