package stage2

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/kmod"
	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/init/sysctl"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/rolelog"
	"github.com/outpost-os/outpost/services/supervisor"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func (s *init2) mountPhase(context.Context) error {
	if err := mounts.MountAll(mounts.Stage2()); err != nil {
		return err
	}
	for _, d := range []string{paths.RunDir, LogDir, paths.DataDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("make %s: %w", d, err)
		}
	}
	return keepPreviousLogs(LogDir)
}

func (s *init2) cmdlinePhase(context.Context) (err error) {
	s.params, err = bootparam.Read("/proc/cmdline")
	return err
}

func (s *init2) bootInfoPhase(context.Context) (err error) {
	s.boot, err = board.ReadBootInfo(paths.BootInfo)
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
	s.modules = l
	return errors.Join(l.Load(s.boot.Modules), l.Load(kmod.Kubernetes()))
}

// loadModules loads more modules with the loader of the modules phase, so
// modules.dep is read once per boot.
func (s *init2) loadModules(names []string) error {
	if s.modules == nil {
		return fmt.Errorf("load %v: the modules phase found no usable modules.dep", names)
	}
	return s.modules.Load(names)
}

func sysctlPhase(context.Context) error {
	return sysctl.Apply("/proc/sys", sysctl.Kubernetes(runtime.NumCPU()))
}

func (s *init2) servicesPhase(ctx context.Context) error {
	s.setDeadline()
	if s.params.Console && !s.consoleUp {
		if err := s.sup.Start(ctx, []supervisor.Service{s.consoleService()}); err != nil {
			return err
		}
		s.consoleUp = true
	}
	if s.node.maint != nil {
		return nil
	}
	return s.startRole(ctx)
}

// rolePath is the role process's PATH: runc, iptables and mount are in
// /usr/sbin and /usr/bin.
const rolePath = "/usr/sbin:/usr/bin:/sbin:/bin"

// startRole starts the role process (outpost server or agent) with the
// saved configuration; its secrets stay in that 0600 file, not in argv.
func (s *init2) startRole(ctx context.Context) error {
	role := string(s.node.cfg.Config.Role)
	if _, err := os.Stat(Self); err != nil {
		fmt.Fprintf(s.console, "outpost: role %s needs %s, which this root image lacks (%v); the node stays up without it\n", role, Self, err)
		return nil
	}
	args := []string{role, "--config", config.Path, "--boot-dir", paths.BootDir}
	if ip := s.nodeIP(); ip != "" {
		flag := "--node-ip"
		if role == string(config.RoleServer) {
			flag = "--advertise-address"
		}
		args = append(args, flag, ip)
	}
	svc := supervisor.Service{
		Name:        role,
		StopTimeout: 30 * time.Second,
		Run: supervisor.Process(supervisor.Command{
			Path: Self, Args: args, Env: []string{"PATH=" + rolePath, rolelog.EnvConsole + "=/dev/console"}, Grace: 20 * time.Second,
		}, s.reaper),
	}
	return s.sup.Start(ctx, []supervisor.Service{svc})
}

func (s *init2) nodeIP() string {
	if ip := s.node.cfg.Config.NodeIP; ip != "" {
		return ip
	}
	if s.node.net != nil {
		if ip := s.node.net.PrimaryIP(); ip.IsValid() {
			return ip.String()
		}
	}
	return ""
}

// consoleService is the debug console on the serial line, a child process
// restarted like any other.
func (s *init2) consoleService() supervisor.Service {
	return supervisor.Service{
		Name: "console",
		Run: supervisor.Process(supervisor.Command{
			Path:   Slim,
			Args:   []string{"console"},
			Stdin:  s.stdin,
			Stdout: s.console,
			Stderr: s.console,
		}, s.reaper),
	}
}
