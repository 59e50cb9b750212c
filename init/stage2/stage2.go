// Package stage2 is PID 1 in the real root: it finishes the pseudo file
// systems, sets the hostname, brings up loopback, loads the Kubernetes
// modules and sysctls, starts the supervised services, reaps orphans, and
// shuts down in order on SIGTERM or the power button (power off) and SIGINT
// or ctrl-alt-del (reboot). It never returns.
package stage2

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/init/bootslot"
	"github.com/outpost-os/outpost/init/kmod"
	"github.com/outpost-os/outpost/init/phase"
	"github.com/outpost-os/outpost/init/power"
	"github.com/outpost-os/outpost/init/reap"
	"github.com/outpost-os/outpost/init/shutdown"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/paths"
	"github.com/outpost-os/outpost/services/supervisor"
	"golang.org/x/sys/unix"
)

// Self is the full outpost binary in the root image: the role process runs
// it. Slim is the build without Kubernetes that PID 1 itself runs, used
// for small helpers such as the debug console.
const (
	Self = paths.Binary
	Slim = paths.InitBinary
)

// LogDir holds one log file per service.
const LogDir = paths.LogDir

// init2 is the state of PID 1 in stage 2.
type init2 struct {
	console io.Writer
	stdin   *os.File
	log     *slog.Logger
	params  bootparam.Params
	boot    board.BootInfo
	node    node
	modules *kmod.Loader
	reaper  *reap.Reaper
	sup     *supervisor.Supervisor
	events  chan shutdown.Kind
	// consoleUp tells that the debug console runs, so running the phases
	// again from the network does not start it twice.
	consoleUp bool
	// stopNetwork ends what the last network phase started (DHCP
	// clients), so running it again starts from a clean state.
	stopNetwork context.CancelFunc
	// start is when stage 2 started; slot is this boot's slot (nil on
	// a direct kernel boot); deadline is a trial boot's boot_deadline
	// (read by the wait for health), deadlineSaid that the console
	// was told.
	start        time.Time
	slot         *bootslot.Boot
	deadline     atomic.Int64
	deadlineSaid bool
}

// Run runs stage 2 and never returns.
func Run(ctx context.Context, console io.Writer, stdin *os.File) {
	start := time.Now()
	s := &init2{console: console, stdin: stdin, log: newLogger(console), reaper: reap.New(), events: make(chan shutdown.Kind, 4), start: start}
	s.sup = supervisor.New(supervisor.Options{Console: console, LogDir: LogDir})
	s.catchSignals()
	go guard(console, "reaper", func() { s.reaper.Run(ctx) })
	r := phase.Runner{Out: console}
	_, err := r.Run(ctx, s.phases())
	if err != nil {
		fmt.Fprintf(console, "outpost: boot failed: %v\n", err)
	} else {
		fmt.Fprintf(console, "outpost: ready: stage 2 took %s, %s since kernel start%s\n",
			time.Since(start).Round(time.Millisecond), uptime().Round(time.Millisecond), s.modeNote())
	}
	if s.node.maint != nil {
		go guard(console, "maintenance", func() { s.waitForConfig(ctx) })
	}
	s.loop()
}

// rerunFrom is where the phases start again when a configuration arrives
// in maintenance mode: its network, config, clock and role all follow it.
const rerunFrom = "network"

// phasesFrom is the tail of the phase list from the named phase on.
func (s *init2) phasesFrom(name string) []phase.Phase {
	all := s.phases()
	for i, p := range all {
		if p.Name == name {
			return all[i:]
		}
	}
	return nil
}

func (s *init2) phases() []phase.Phase {
	return []phase.Phase{
		{Name: "mounts", Run: s.mountPhase},
		{Name: "kernel-log", Optional: true, Run: s.kernelLogPhase},
		{Name: "cmdline", Run: s.cmdlinePhase},
		{Name: "bootinfo", Optional: true, Run: s.bootInfoPhase},
		{Name: "hostname", Optional: true, Run: s.hostnamePhase},
		{Name: "loopback", Optional: true, Run: loopbackUp},
		{Name: "modules", Optional: true, Run: s.modulesPhase},
		{Name: "watchdog", Optional: true, Run: s.watchdogPhase},
		{Name: "slot", Optional: true, Run: s.slotPhase},
		{Name: "sysctls", Optional: true, Run: sysctlPhase},
		{Name: "power-button", Optional: true, Run: s.powerPhase},
		{Name: "metadata", Run: s.metadataPhase},
		{Name: "network", Optional: true, Run: s.networkPhase},
		{Name: "metadata-net", When: func() bool { return s.node.maint != nil }, Run: s.metadataOnlinePhase},
		{Name: "config", Optional: true, Run: s.configPhase},
		{Name: "clock", Optional: true, Run: s.clockPhase},
		{Name: "services", Run: s.servicesPhase},
	}
}

func (s *init2) modeNote() string {
	if s.node.maint != nil {
		return " (maintenance mode)"
	}
	return ""
}

// catchSignals maps SIGTERM and SIGPWR to power off and SIGINT (which the
// kernel sends on ctrl-alt-del once reboot(CAD_OFF) is set) to reboot.
func (s *init2) catchSignals() {
	unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF)
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, unix.SIGTERM, unix.SIGINT, unix.SIGPWR)
	go guard(s.console, "signals", func() {
		for sig := range sigs {
			fmt.Fprintf(s.console, "outpost: got %s\n", sig)
			if sig == unix.SIGINT {
				s.events <- shutdown.Reboot
			} else {
				s.events <- shutdown.PowerOff
			}
		}
	})
}

// loop waits for a reason to end and ends; PID 1 must never return, so a
// failed reboot(2) only leads back here.
func (s *init2) loop() {
	for kind := range s.events {
		err := shutdown.Run(shutdown.Plan{Kind: kind, StopServices: s.sup.Stop, Console: s.console})
		fmt.Fprintf(s.console, "outpost: %v\n", err)
	}
}

func (s *init2) powerPhase(ctx context.Context) error {
	n, err := power.Watch(ctx, "/dev/input", func() {
		fmt.Fprintln(s.console, "outpost: power button pressed")
		s.events <- shutdown.PowerOff
	})
	if err == nil {
		fmt.Fprintf(s.console, "outpost: watching %d input devices for the power button\n", n)
	}
	return err
}

// guard runs f and reports a panic on the console instead of crashing
// PID 1.
func guard(console io.Writer, name string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			fmt.Fprintf(console, "outpost: %s panicked: %v\n", name, v)
		}
	}()
	f()
}

// uptime is the time since the kernel started.
func uptime() time.Duration {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}
