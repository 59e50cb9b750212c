package supervisor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Starter starts child processes; PID 1 passes its reaper, so orphan
// reaping never steals a supervised child's exit status.
type Starter interface {
	Start(cmd *exec.Cmd) error
	Release(pid int)
}

// Command describes a child process run as a service.
type Command struct {
	Path string
	Args []string // without argv[0]
	Env  []string
	// Argv0 replaces argv[0] (the binary dispatches on it).
	Argv0 string
	// Stdin, Stdout and Stderr default to nothing and the service log.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Ready, if set, probes readiness after start; otherwise the process is
	// ready once started.
	Ready func(ctx context.Context) error
	// Grace is how long the process gets after SIGTERM before SIGKILL
	// (default 5 s).
	Grace time.Duration
}

type plainStarter struct{}

func (plainStarter) Start(cmd *exec.Cmd) error { return cmd.Start() }
func (plainStarter) Release(int)               {}

// Process returns a Run function that runs c as a child, restarted by the
// supervisor like any other service. A nil starter starts it plainly.
func Process(c Command, starter Starter) func(ctx context.Context, env Env) error {
	if starter == nil {
		starter = plainStarter{}
	}
	return func(ctx context.Context, env Env) error {
		cmd := c.build(env.Log)
		if err := starter.Start(cmd); err != nil {
			return fmt.Errorf("start %s: %w", c.Path, err)
		}
		defer starter.Release(cmd.Process.Pid)
		waited := make(chan error, 1)
		go func() { waited <- cmd.Wait() }()
		go c.markReady(ctx, env)
		select {
		case err := <-waited:
			return exitError(err)
		case <-ctx.Done():
			return c.terminate(cmd, waited)
		}
	}
}

func (c Command) build(log io.Writer) *exec.Cmd {
	cmd := exec.Command(c.Path, c.Args...)
	if c.Argv0 != "" {
		cmd.Args[0] = c.Argv0
	}
	cmd.Env = c.Env
	cmd.Stdin = c.Stdin
	cmd.Stdout, cmd.Stderr = c.Stdout, c.Stderr
	if cmd.Stdout == nil {
		cmd.Stdout = log
	}
	if cmd.Stderr == nil {
		cmd.Stderr = log
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	return cmd
}

func (c Command) markReady(ctx context.Context, env Env) {
	if c.Ready == nil {
		env.Ready()
		return
	}
	if c.Ready(ctx) == nil {
		env.Ready()
	}
}

func (c Command) terminate(cmd *exec.Cmd, waited <-chan error) error {
	grace := c.Grace
	if grace == 0 {
		grace = 5 * time.Second
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
		return nil
	case <-time.After(grace):
		cmd.Process.Kill()
		<-waited
		return fmt.Errorf("%s did not stop within %s after SIGTERM and was killed", c.Path, grace)
	}
}

func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("process %s", ee.ProcessState)
	}
	if err == nil {
		return errors.New("process exited with status 0")
	}
	return err
}
