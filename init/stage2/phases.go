package stage2

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/bootparam"
	"github.com/outpost-os/outpost/init/kmod"
	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/init/sysctl"
	"github.com/outpost-os/outpost/services/supervisor"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func (s *init2) mountPhase(context.Context) error {
	if err := mounts.MountAll(mounts.Stage2()); err != nil {
		return err
	}
	for _, d := range []string{"/run/outpost", LogDir, "/var/lib/outpost"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("make %s: %w", d, err)
		}
	}
	return nil
}

func (s *init2) cmdlinePhase(context.Context) (err error) {
	s.params, err = bootparam.Read("/proc/cmdline")
	return err
}

func (s *init2) bootInfoPhase(context.Context) (err error) {
	s.boot, err = board.ReadBootInfo(board.BootInfoPath)
	return err
}

func (s *init2) hostnamePhase(context.Context) error {
	name, ok := s.params.Get("outpost.hostname")
	if !ok || name == "" {
		name = "outpost"
	}
	if err := unix.Sethostname([]byte(name)); err != nil {
		return fmt.Errorf("set hostname %q: %w", name, err)
	}
	return nil
}

func loopbackUp(context.Context) error {
	lo, err := netlink.LinkByName("lo")
	if err != nil {
		return fmt.Errorf("find loopback: %w", err)
	}
	if err := netlink.LinkSetUp(lo); err != nil {
		return fmt.Errorf("bring loopback up: %w", err)
	}
	return nil
}

func (s *init2) modulesPhase(context.Context) error {
	l, err := kmod.NewLoader("/", s.boot.KernelVersion)
	if err != nil {
		return err
	}
	return errors.Join(l.Load(s.boot.Modules), l.Load(kmod.Kubernetes()))
}

func sysctlPhase(context.Context) error {
	return sysctl.Apply("/proc/sys", sysctl.Kubernetes(runtime.NumCPU()))
}

func (s *init2) servicesPhase(ctx context.Context) error {
	var services []supervisor.Service
	if s.params.Console {
		services = append(services, s.consoleService())
	}
	return s.sup.Start(ctx, services)
}

// consoleService is the debug console on the serial line, a child process
// restarted like any other.
func (s *init2) consoleService() supervisor.Service {
	return supervisor.Service{
		Name: "console",
		Run: supervisor.Process(supervisor.Command{
			Path:   Self,
			Args:   []string{"console"},
			Stdin:  s.stdin,
			Stdout: s.console,
			Stderr: s.console,
		}, s.reaper),
	}
}
