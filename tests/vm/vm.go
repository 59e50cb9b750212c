// Package vm is the harness the tests under tests/ share. It boots an
// image under QEMU (software emulation here), records the serial console,
// waits for markers with deadlines, talks to the debug console and the
// QEMU monitor, and always ends the VM when the test ends; it boots a VM
// as a Kubernetes node with its configuration through fw_cfg, fetches its
// kubeconfig and runs kubectl through port forwards. For tests that run
// on the host it has free loopback ports, the arguments of an outpost
// server on loopback, host commands with deadlines and polling with one.
package vm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-os/outpost/image/qemu"
)

// VM is one booted guest.
type VM struct {
	t       testing.TB
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	monitor string
	cancel  context.CancelFunc
	exited  chan struct{}
	waitErr error

	mu     sync.Mutex
	cond   *sync.Cond
	out    strings.Builder
	cursor int
	nextID int
}

// Boot starts QEMU with o (stdio and the monitor are the harness's) and
// registers its end with the test.
func Boot(t testing.TB, o qemu.Options) *VM {
	t.Helper()
	dir := t.TempDir()
	o.Monitor = filepath.Join(dir, "monitor.sock")
	pr, pw := io.Pipe()
	o.Stdout = pw
	ctx, cancel := context.WithCancel(context.Background())
	cmd, err := qemu.Command(ctx, o)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	v := &VM{t: t, cmd: cmd, monitor: o.Monitor, exited: make(chan struct{}), cancel: cancel}
	v.cond = sync.NewCond(&v.mu)
	if v.stdin, err = cmd.StdinPipe(); err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start QEMU: %v", err)
	}
	drained := make(chan struct{})
	go func() {
		v.record(pr, logFile(t))
		close(drained)
	}()
	go func() {
		v.waitErr = cmd.Wait()
		pw.Close()
		<-drained
		close(v.exited)
		v.mu.Lock()
		v.cond.Broadcast()
		v.mu.Unlock()
	}()
	t.Cleanup(func() {
		cancel()
		<-v.exited
		if t.Failed() {
			t.Logf("console of the VM:\n%s", LastBytes(v.Output(), 6000))
		}
	})
	return v
}

// logFile keeps the whole console of each VM of a test in build/test-logs
// for a person to read after a failure: TEST.log for the first, TEST-2.log
// for the next (make test empties the folder first).
func logFile(t testing.TB) io.Writer {
	dir := os.Getenv("OUTPOST_TEST_LOGS")
	if dir == "" {
		return io.Discard
	}
	os.MkdirAll(dir, 0o755)
	base := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
	for i := 1; i < 100; i++ {
		name := base + ".log"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.log", base, i)
		}
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return io.Discard
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	return io.Discard
}

func (v *VM) record(r io.Reader, log io.Writer) {
	br := bufio.NewReader(r)
	buf := make([]byte, 4096)
	for {
		n, err := br.Read(buf)
		if n > 0 {
			chunk := strings.ReplaceAll(string(buf[:n]), "\r", "")
			log.Write([]byte(chunk))
			v.mu.Lock()
			v.out.WriteString(chunk)
			v.cond.Broadcast()
			v.mu.Unlock()
		}
		if err != nil {
			v.mu.Lock()
			v.cond.Broadcast()
			v.mu.Unlock()
			return
		}
	}
}

// Expect waits up to timeout for pattern in the console output after the
// last match, moves past the match and returns its submatches.
func (v *VM) Expect(pattern string, timeout time.Duration) []string {
	v.t.Helper()
	m, err := v.expect(regexp.MustCompile(pattern), timeout)
	if err != nil {
		v.t.Fatal(err)
	}
	return m
}

func (v *VM) expect(re *regexp.Regexp, timeout time.Duration) ([]string, error) {
	deadline := time.Now().Add(timeout)
	timer := time.AfterFunc(timeout, func() {
		v.mu.Lock()
		v.cond.Broadcast()
		v.mu.Unlock()
	})
	defer timer.Stop()
	v.mu.Lock()
	defer v.mu.Unlock()
	for {
		rest := v.out.String()[v.cursor:]
		if loc := re.FindStringSubmatchIndex(rest); loc != nil {
			m := make([]string, 0, len(loc)/2)
			for i := 0; i < len(loc); i += 2 {
				if loc[i] < 0 {
					m = append(m, "")
					continue
				}
				m = append(m, rest[loc[i]:loc[i+1]])
			}
			v.cursor += loc[1]
			return m, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("console did not show %q within %s", re, timeout)
		}
		if v.isExited() {
			return nil, fmt.Errorf("QEMU ended (%v) before the console showed %q", v.waitErr, re)
		}
		v.cond.Wait()
	}
}

func (v *VM) isExited() bool {
	select {
	case <-v.exited:
		return true
	default:
		return false
	}
}

// Output returns everything the console showed so far.
func (v *VM) Output() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.out.String()
}

// Run sends a command to the debug console (outpost.console=on) and
// returns its output lines, or an error for an "END error" reply.
func (v *VM) Run(command string, timeout time.Duration) ([]string, error) {
	v.t.Helper()
	v.mu.Lock()
	v.nextID++
	id := v.nextID + 100
	v.mu.Unlock()
	if _, err := fmt.Fprintf(v.stdin, "%d %s\n", id, command); err != nil {
		v.t.Fatalf("write to console: %v", err)
	}
	m, err := v.expect(regexp.MustCompile(fmt.Sprintf(`(?m)^#%d END (.*)\n`, id)), timeout)
	if err != nil {
		v.t.Fatalf("command %q: %v", command, err)
	}
	prefix := fmt.Sprintf("#%d ", id)
	var lines []string
	for _, l := range strings.Split(v.Output(), "\n") {
		if strings.HasPrefix(l, prefix) && !strings.HasPrefix(l, prefix+"END ") {
			lines = append(lines, strings.TrimPrefix(l, prefix))
		}
	}
	if m[1] != "ok" {
		return lines, fmt.Errorf("%s", m[1])
	}
	return lines, nil
}

// Send types a line on the serial console without waiting for a reply,
// for commands after which the guest goes away (kill 1 TERM).
func (v *VM) Send(line string) {
	v.t.Helper()
	if _, err := fmt.Fprintf(v.stdin, "%s\n", line); err != nil {
		v.t.Fatalf("write to console: %v", err)
	}
}

// MustRun is Run that fails the test on an error reply.
func (v *VM) MustRun(command string, timeout time.Duration) []string {
	v.t.Helper()
	lines, err := v.Run(command, timeout)
	if err != nil {
		v.t.Fatalf("command %q: %v", command, err)
	}
	return lines
}

// Monitor sends one command to QEMU's human monitor.
func (v *VM) Monitor(command string) {
	v.t.Helper()
	var conn net.Conn
	err := Poll(10*time.Second, 50*time.Millisecond, func() (bool, error) {
		var err error
		conn, err = net.Dial("unix", v.monitor)
		return err == nil, err
	})
	if err != nil {
		v.t.Fatalf("QEMU monitor: %v", err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "%s\n", command)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	io.Copy(io.Discard, conn)
}

// PowerCut ends QEMU at once, as pulling the plug would: the guest gets
// no shutdown, and whatever its kernel had not written is lost. It
// returns once QEMU has exited.
func (v *VM) PowerCut() {
	v.t.Helper()
	v.cancel()
	select {
	case <-v.exited:
	case <-time.After(time.Minute):
		v.t.Fatal("QEMU did not end within a minute of being killed")
	}
}

// WaitExit waits for QEMU to end by itself and returns its error.
func (v *VM) WaitExit(timeout time.Duration) error {
	v.t.Helper()
	select {
	case <-v.exited:
		return v.waitErr
	case <-time.After(timeout):
		v.t.Fatalf("QEMU still running after %s", timeout)
		return nil
	}
}
