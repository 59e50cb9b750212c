package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/outpost-os/outpost/tests/vm"
)

// Deadlines of the harness, and how often it polls.
const (
	readyDeadline = 4 * time.Minute
	stopDeadline  = 90 * time.Second
	failDeadline  = 2 * time.Minute
	pollInterval  = 250 * time.Millisecond
)

// nodeName is the --node-name of every server of these tests.
const nodeName = "test-node"

// server is one started `outpost server`.
type server struct {
	t       *testing.T
	dir     string
	ports   vm.ServerPorts
	cmd     *exec.Cmd
	stdout  *lockedWriter
	stderr  *lockedWriter
	exited  chan struct{}
	exitErr error
}

// serverArgs are the arguments of a server in dir on p, plus extra.
func serverArgs(dir string, p vm.ServerPorts, extra ...string) []string {
	return vm.LoopbackServerArgs(dir, nodeName, p, extra...)
}

// start runs the server and waits until it printed its ready message and
// answers with the admin kubeconfig.
func start(t *testing.T, dir string, p vm.ServerPorts, extra ...string) *server {
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
	err := vm.Poll(readyDeadline, 200*time.Millisecond, func() (bool, error) {
		select {
		case <-s.exited:
			s.t.Fatalf("server exited before ready: %v\n%s", s.exitErr, s.tail())
		default:
		}
		return strings.Contains(s.output(), "outpost server is ready"), nil
	})
	if err != nil {
		s.t.Fatalf("server not ready: %v\n%s", err, s.tail())
	}
}

func (s *server) output() string { return s.stdout.String() }

// tail is the end of the server's standard output and standard error.
func (s *server) tail() string {
	return "stdout:\n" + vm.LastBytes(s.stdout.String(), 2000) + "\nstderr:\n" + vm.LastBytes(s.stderr.String(), 6000)
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
