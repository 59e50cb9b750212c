package console

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

type command struct {
	args  int
	usage string
	run   func(c Console, out io.Writer, args []string) error
}

func commands() map[string]command {
	return map[string]command{
		"help":   {0, "help", help},
		"cat":    {1, "cat PATH", cat},
		"grep":   {2, "grep WORD PATH... (lines holding WORD)", grep},
		"ls":     {1, "ls DIR", ls},
		"ps":     {0, "ps", ps},
		"stat":   {1, "stat PATH (mode and size)", stat},
		"sha256": {1, "sha256 PATH (the file's SHA-256: compare a secret without showing it)", sha256sum},
		"df":     {1, "df PATH (size and free bytes of its file system)", df},
		"kill":   {2, "kill PID SIGNAL (TERM, INT, KILL, HUP or a number)", kill},
		"orphan": {0, "orphan (start a process whose parent exits at once)", orphan},
		"exit":   {1, "exit CODE (end the console process with CODE)", exit},
		"write":  {2, "write PATH TEXT (write TEXT into an existing file: a /proc/sys setting, /proc/sysrq-trigger)", write},
	}
}

func help(_ Console, out io.Writer, _ []string) error {
	var names []string
	for n, c := range commands() {
		names = append(names, fmt.Sprintf("%-7s %s", n, c.usage))
	}
	sort.Strings(names)
	fmt.Fprintln(out, strings.Join(names, "\n"))
	return nil
}

func cat(_ Console, out io.Writer, args []string) error {
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	_, err = out.Write(data)
	return err
}

// write writes its words into an existing file without a newline, as a
// setting in /proc or /sys wants it; it never creates a file.
func write(_ Console, _ io.Writer, args []string) error {
	f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(strings.Join(args[1:], " "))
	return errors.Join(err, f.Close())
}

// grep prints the lines of each file that hold word (a fixed string), so a
// large log need not cross the serial line whole.
func grep(_ Console, out io.Writer, args []string) error {
	var errs []error
	for _, path := range args[1:] {
		if err := grepFile(out, args[0], path); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func grepFile(out io.Writer, word, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), word) {
			fmt.Fprintln(out, sc.Text())
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

func ls(_ Console, out io.Writer, args []string) error {
	entries, err := os.ReadDir(args[0])
	if err != nil {
		return err
	}
	for _, e := range entries {
		fmt.Fprintln(out, e.Name())
	}
	return nil
}

func stat(_ Console, out io.Writer, args []string) error {
	st, err := os.Lstat(args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "mode %04o size %d\n", st.Mode().Perm(), st.Size())
	return nil
}

func sha256sum(_ Console, out io.Writer, args []string) error {
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return err
	}
	fmt.Fprintf(out, "%x\n", h.Sum(nil))
	return nil
}

func df(_ Console, out io.Writer, args []string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(args[0], &st); err != nil {
		return fmt.Errorf("statfs %s: %w", args[0], err)
	}
	fmt.Fprintf(out, "size %d free %d\n", int64(st.Blocks)*st.Bsize, int64(st.Bavail)*st.Bsize)
	return nil
}

// ps lists processes as "PID PPID STATE NAME".
func ps(_ Console, out io.Writer, _ []string) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		if line, ok := psLine(e.Name(), stat); ok {
			fmt.Fprintln(out, line)
		}
	}
	return nil
}

func psLine(pid string, stat []byte) (string, bool) {
	s := string(stat)
	open, close := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || close < open {
		return "", false
	}
	fields := strings.Fields(s[close+1:])
	if len(fields) < 2 {
		return "", false
	}
	return fmt.Sprintf("%s %s %s %s", pid, fields[1], fields[0], s[open+1:close]), true
}

func kill(_ Console, _ io.Writer, args []string) error {
	pid, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("pid %q: %w", args[0], err)
	}
	sig, err := parseSignal(args[1])
	if err != nil {
		return err
	}
	return unix.Kill(pid, sig)
}

func parseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return unix.Signal(n), nil
	}
	sig := unix.SignalNum("SIG" + strings.TrimPrefix(strings.ToUpper(s), "SIG"))
	if sig == 0 {
		return 0, fmt.Errorf("unknown signal %q", s)
	}
	return sig, nil
}

// orphan runs "outpost debug orphan", which starts a short sleeper and
// exits at once, so the sleeper is handed to PID 1.
func orphan(c Console, out io.Writer, _ []string) error {
	cmd := exec.Command(c.Self, "debug", "orphan")
	cmd.Stdout = out
	cmd.Stderr = out
	return cmd.Run()
}

func exit(_ Console, _ io.Writer, args []string) error {
	code, err := strconv.Atoi(args[0])
	if err != nil {
		return fmt.Errorf("exit code %q: %w", args[0], err)
	}
	return exitRequest{code}
}
