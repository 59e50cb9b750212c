package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Deadlines of the harness.
const (
	readyDeadline = 4 * time.Minute
	stopDeadline  = 90 * time.Second
	failDeadline  = 2 * time.Minute
)

// ports are the loopback ports one server uses.
type ports struct{ https, supervisor, etcdClient, etcdPeer int }

func freePorts(t *testing.T) ports {
	t.Helper()
	return ports{freePort(t), freePort(t), freePort(t), freePort(t)}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// server is one started `outpost server`.
type server struct {
	t       *testing.T
	dir     string
	ports   ports
	cmd     *exec.Cmd
	stdout  *lockedWriter
	stderr  *lockedWriter
	exited  chan struct{}
	exitErr error
}

// serverArgs are the arguments of a server in dir on p, plus extra.
func serverArgs(dir string, p ports, extra ...string) []string {
	args := []string{"server", "--disable-agent", "--config", "",
		"--data-dir", dir, "--node-name", "test-node",
		"--bind-address", "127.0.0.1", "--advertise-address", "127.0.0.1",
		"--https-listen-port", strconv.Itoa(p.https), "--supervisor-port", strconv.Itoa(p.supervisor),
		"--etcd-client-port", strconv.Itoa(p.etcdClient), "--etcd-peer-port", strconv.Itoa(p.etcdPeer),
		"--write-kubeconfig", filepath.Join(dir, "admin.yaml")}
	return append(args, extra...)
}

// start runs the server and waits until it printed its ready message and
// answers with the admin kubeconfig.
func start(t *testing.T, dir string, p ports, extra ...string) *server {
	t.Helper()
	s := &server{t: t, dir: dir, ports: p, exited: make(chan struct{}),
		stdout: &lockedWriter{buf: &bytes.Buffer{}}, stderr: &lockedWriter{buf: &bytes.Buffer{}}}
	s.cmd = exec.Command(binary, serverArgs(dir, p, extra...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.exitErr = s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.kill)
	s.waitReady()
	return s
}

func (s *server) waitReady() {
	s.t.Helper()
	deadline := time.Now().Add(readyDeadline)
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			s.t.Fatalf("server exited before ready: %v\n%s", s.exitErr, s.tail())
		case <-time.After(200 * time.Millisecond):
		}
		if strings.Contains(s.output(), "outpost server is ready") {
			return
		}
	}
	s.t.Fatalf("server not ready after %s\n%s", readyDeadline, s.tail())
}

func (s *server) output() string { return s.stdout.String() }

// tail is the end of the server's standard output and standard error.
func (s *server) tail() string {
	return "stdout:\n" + lastBytes(s.stdout.String(), 2000) + "\nstderr:\n" + lastBytes(s.stderr.String(), 6000)
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// stop sends SIGTERM and requires a clean exit (status 0).
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(stopDeadline):
		s.kill()
		s.t.Fatalf("server did not stop within %s after SIGTERM\n%s", stopDeadline, s.tail())
	}
	if s.exitErr != nil {
		s.t.Fatalf("server exited with %v after SIGTERM\n%s", s.exitErr, s.tail())
	}
}

func (s *server) kill() {
	select {
	case <-s.exited:
	default:
		s.cmd.Process.Kill()
		<-s.exited
	}
}

func (s *server) restConfig() *rest.Config {
	s.t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(s.dir, "admin.yaml"))
	if err != nil {
		s.t.Fatal(err)
	}
	cfg.Timeout = 30 * time.Second
	return cfg
}

func (s *server) client() *kubernetes.Clientset {
	s.t.Helper()
	c, err := kubernetes.NewForConfig(s.restConfig())
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// runFailing runs the binary with args, requires a non-zero exit within
// failDeadline and returns its combined output.
func runFailing(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), failDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || ctx.Err() != nil {
		t.Fatalf("want a non-zero exit, got %v (ctx %v)\n%s", err, ctx.Err(), out)
	}
	return string(out)
}

// treeHashes maps every regular file below dir to the SHA-256 of its
// content and its mode.
func treeHashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	h := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		h[p] = hex.EncodeToString(sum[:]) + " " + info.Mode().String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func sameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, h := range before {
		if after[p] != h {
			t.Errorf("%s: %s changed (%q -> %q)", what, p, h, after[p])
		}
	}
}

// poll calls f every 250 ms until it returns true or the deadline passes.
func poll(t *testing.T, what string, deadline time.Duration, f func() (bool, error)) {
	t.Helper()
	end := time.Now().Add(deadline)
	var last error
	for time.Now().Before(end) {
		ok, err := f()
		if ok {
			return
		}
		last = err
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s: not done after %s (last error: %v)", what, deadline, last)
}
