// Package reap collects the exit status of orphans that the kernel hands to
// PID 1, without stealing the status of the children PID 1 started and
// waits for itself (through os/exec).
package reap

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"sync"

	"golang.org/x/sys/unix"
)

// Reaper reaps every child that is not registered as owned.
type Reaper struct {
	mu    sync.Mutex
	owned map[int]bool
	// Reaped, if set, is told the pid and status of each orphan reaped.
	Reaped func(pid int, status unix.WaitStatus)
}

// New returns a Reaper that owns no children yet.
func New() *Reaper {
	return &Reaper{owned: map[int]bool{}}
}

// Start starts cmd and registers its process as owned, both under the lock
// the reaper takes before it reaps, so a child that exits at once is still
// left for cmd.Wait.
func (r *Reaper) Start(cmd *exec.Cmd) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := cmd.Start(); err != nil {
		return err
	}
	r.owned[cmd.Process.Pid] = true
	return nil
}

// Release forgets an owned child once its Wait has returned.
func (r *Reaper) Release(pid int) {
	r.mu.Lock()
	delete(r.owned, pid)
	r.mu.Unlock()
}

// Run reaps orphans on every SIGCHLD until ctx ends.
func (r *Reaper) Run(ctx context.Context) {
	sigs := make(chan os.Signal, 16)
	signal.Notify(sigs, unix.SIGCHLD)
	defer signal.Stop(sigs)
	for {
		r.ReapOnce()
		select {
		case <-ctx.Done():
			return
		case <-sigs:
		}
	}
}

// ReapOnce reaps every exited child that is not owned and returns how many
// it reaped.
func (r *Reaper) ReapOnce() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for {
		pid, err := r.nextZombie()
		if err != nil || pid <= 0 {
			return n
		}
		var status unix.WaitStatus
		if _, err := unix.Wait4(pid, &status, unix.WNOHANG, nil); err != nil {
			return n
		}
		n++
		if r.Reaped != nil {
			r.Reaped(pid, status)
		}
	}
}

// nextZombie finds an exited child that is not owned, looking without
// reaping (WNOWAIT). Owned zombies are skipped: waitid reports the lowest
// such child first, so those are found through /proc instead.
func (r *Reaper) nextZombie() (int, error) {
	var info unix.Siginfo
	err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
	if err != nil {
		if errors.Is(err, unix.ECHILD) {
			return 0, nil
		}
		return 0, err
	}
	pid := siginfoPid(&info)
	if pid == 0 {
		return 0, nil
	}
	if !r.owned[pid] {
		return pid, nil
	}
	return r.unownedZombie()
}
