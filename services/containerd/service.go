package containerd

import (
	"context"
	"fmt"
	"io"
	"net"
	"time"

	"golang.org/x/sys/unix"
	criclient "k8s.io/cri-client/pkg"

	"github.com/outpost-os/outpost/services/supervisor"
)

// ServiceName is containerd's service name, and so its log:
// /var/log/outpost/containerd.log.
const ServiceName = "containerd"

// Command is containerd as a child process: the runtime build started as
// `containerd --config FILE`. It is ready once it answers CRI.
func (c Config) Command() supervisor.Command {
	return supervisor.Command{
		Path:  c.Binary,
		Argv0: "containerd",
		Args:  []string{"--config", c.ConfigFile},
		Env:   c.Env(),
		Ready: c.WaitReady,
		// containerd stops its gRPC servers and plugins on SIGTERM; the
		// shims and so the pods keep running.
		Grace: 10 * time.Second,
	}
}

// Service is containerd under the supervisor: each start ends a containerd
// that an earlier role process left behind, writes the config anew, then
// runs Command; when containerd dies it is started again.
func (c Config) Service(starter supervisor.Starter) supervisor.Service {
	run := supervisor.Process(c.Command(), starter)
	return supervisor.Service{
		Name:        ServiceName,
		StopTimeout: 15 * time.Second,
		Run: func(ctx context.Context, env supervisor.Env) error {
			if err := c.stopStale(env.Log); err != nil {
				return err
			}
			if err := c.WriteConfig(); err != nil {
				return err
			}
			return run(ctx, env)
		},
	}
}

// stopStale ends the containerd serving the socket, if one does: a role
// process that was killed (PID 1 restarts it) could not stop its
// containerd, and a second one would wait forever for the first one's
// metadata lock. The pods live on in their shims either way.
func (c Config) stopStale(log io.Writer) error {
	pid, err := socketPeer(c.Socket)
	if err != nil || pid <= 0 {
		return nil // nothing serves the socket
	}
	fmt.Fprintf(log, "outpost: stopping containerd (pid %d) left running on %s\n", pid, c.Socket)
	unix.Kill(pid, unix.SIGTERM)
	grace := c.Command().Grace
	for deadline := time.Now().Add(grace); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if unix.Kill(pid, 0) != nil {
			return nil
		}
	}
	unix.Kill(pid, unix.SIGKILL)
	for deadline := time.Now().Add(grace); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if unix.Kill(pid, 0) != nil {
			return nil
		}
	}
	return fmt.Errorf("containerd (pid %d) left running on %s did not stop", pid, c.Socket)
}

// socketPeer returns the pid of the process serving a unix socket.
func socketPeer(path string) (int, error) {
	conn, err := net.DialTimeout("unix", path, time.Second)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	raw, err := conn.(*net.UnixConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var credErr error
	if err := raw.Control(func(fd uintptr) {
		cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if credErr != nil {
		return 0, credErr
	}
	return int(cred.Pid), nil
}

// WaitReady waits until containerd answers a CRI Version call on the
// socket, or ctx ends.
func (c Config) WaitReady(ctx context.Context) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	var err error
	for {
		if err = c.Ping(ctx); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containerd at %s not ready: %w (last: %v)", c.Socket, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// Ping makes one CRI Version call.
func (c Config) Ping(ctx context.Context) error {
	rs, err := criclient.NewRemoteRuntimeServiceBuilder().
		WithEndpoint(c.Endpoint()).
		WithConnectionTimeout(2 * time.Second).
		WithTracerProvider(nil).
		Build(ctx)
	if err != nil {
		return err
	}
	return rs.Close(ctx)
}
