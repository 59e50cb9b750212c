package roleflags

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// envSecretsFD names the inherited pipe that carries the secrets a re-exec
// moved out of the command line.
const envSecretsFD = "OUTPOST_SECRETS_FD"

// Secrets maps a secret flag's name to the value given for it.
type Secrets map[string]string

// HideSecrets replaces the process image with the same binary, argv
// without the flags named and an environment without the variables named
// (their values are secrets): the secrets travel through an inherited
// pipe, so they are in neither /proc/<pid>/cmdline nor /proc/<pid>/environ
// (unsetting a variable in a running process would not change the
// latter), nor in the environment of the children. It returns only on
// error, or when neither argv nor the environment carries a secret.
func HideSecrets(argv, flags, envs []string) error {
	rest, s := Split(argv, flags...)
	env := os.Environ()
	for _, name := range envs {
		if v, ok := os.LookupEnv(name); ok {
			s[envKey(name)] = v
			env = slices.DeleteFunc(env, func(kv string) bool {
				return strings.HasPrefix(kv, name+"=")
			})
		}
	}
	if len(s) == 0 {
		return nil
	}
	fd, err := secretPipe(s)
	if err != nil {
		return err
	}
	env = append(env, envSecretsFD+"="+strconv.Itoa(fd))
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("hide secrets from the command line: %w", err)
	}
	if err := syscall.Exec(exe, rest, env); err != nil {
		return fmt.Errorf("hide secrets from the command line: re-exec %s: %w", exe, err)
	}
	return nil
}

// Split removes the named flags (with "=value" or a separate value, one or
// two dashes) from argv and returns their values.
func Split(argv []string, names ...string) ([]string, Secrets) {
	s := Secrets{}
	rest := make([]string, 0, len(argv))
	for i := 0; i < len(argv); i++ {
		if i > 0 && argv[i] == "--" {
			rest = append(rest, argv[i:]...)
			break
		}
		name, value, hasValue, ok := secretArg(argv[i], names)
		if !ok || i == 0 {
			rest = append(rest, argv[i])
			continue
		}
		if !hasValue && i+1 < len(argv) {
			i++
			value = argv[i]
		}
		s[name] = value
	}
	return rest, s
}

func secretArg(arg string, names []string) (name, value string, hasValue, ok bool) {
	if !strings.HasPrefix(arg, "-") {
		return "", "", false, false
	}
	body := strings.TrimPrefix(strings.TrimPrefix(arg, "-"), "-")
	name, value, hasValue = strings.Cut(body, "=")
	for _, f := range names {
		if name == f {
			return name, value, hasValue, true
		}
	}
	return "", "", false, false
}

// secretPipe writes s into a pipe whose read end survives exec, and returns
// that end.
func secretPipe(s Secrets) (int, error) {
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

// Inherited reads the secrets a previous image of this process put into
// the pipe named by $OUTPOST_SECRETS_FD, once.
func Inherited() (Secrets, error) {
	v := os.Getenv(envSecretsFD)
	if v == "" {
		return nil, nil
	}
	os.Unsetenv(envSecretsFD)
	fd, err := strconv.Atoi(v)
	if err != nil || fd < 3 {
		return nil, fmt.Errorf("$%s=%q is not a file descriptor", envSecretsFD, v)
	}
	f := os.NewFile(uintptr(fd), "secrets")
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return nil, fmt.Errorf("read secrets from fd %d: %w", fd, err)
	}
	var s Secrets
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read secrets from fd %d: not the expected form", fd)
	}
	return s, nil
}

// Take sets *dst from the re-exec pipe, else from the environment variable
// env, and marks the flag as given so the config file does not override it.
func Take(dst *string, inherited Secrets, env, name string, set map[string]bool) {
	switch {
	case inherited[name] != "":
		*dst = inherited[name]
	case !set[name] && inherited[envKey(env)] != "":
		*dst = inherited[envKey(env)]
	case !set[name] && os.Getenv(env) != "":
		*dst = os.Getenv(env)
	default:
		return
	}
	set[name] = true
}

// envKey is where the pipe keeps the value of environment variable name.
func envKey(name string) string { return "$" + name }
