// Package boot_test boots the images of both QEMU boards and proves what
// PID 1 promises: every boot phase reported, a read-only squashfs root, the
// Kubernetes modules and sysctls in effect, orphans reaped, a crashed child
// restarted while PID 1 stays up, power off on SIGTERM and the power
// button, reboot on SIGINT, and a clear error when the root is missing or
// corrupt.
package boot_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/tests/vm"
)

var boards = []string{"qemu-x86_64", "qemu-arm64"}

// images is the folder with one image per board, shared by every test.
var images string

func TestMain(m *testing.M) {
	vm.Main(m, &images, boards...)
}

// Under software emulation a boot takes seconds on x86 and longer on arm64.
const (
	bootTimeout = 4 * time.Minute
	cmdTimeout  = time.Minute
)

func options(t *testing.T, name string, cmdline ...string) qemu.Options {
	b, dir := vm.Board(t, images, name)
	o := vm.Direct(b, dir, cmdline...)
	o.MemoryMB = 1024
	return o
}

func forEachBoard(t *testing.T, test func(t *testing.T, board string)) {
	for _, b := range boards {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			test(t, b)
		})
	}
}

func bootReady(t *testing.T, o qemu.Options) (*vm.VM, string) {
	v := vm.Boot(t, o)
	v.Expect(`outpost: ready: `, bootTimeout)
	pid := v.Expect(`outpost: console ready \(pid (\d+)\)`, bootTimeout)[1]
	return v, pid
}

func TestBootPhasesRootModulesSysctls(t *testing.T) {
	forEachBoard(t, func(t *testing.T, name string) {
		v, _ := bootReady(t, options(t, name))
		out := v.Output()
		stage1 := []string{"mounts", "cmdline", "bootinfo", "modules", "root-wait", "state", "root-mount", "writable"}
		stage2 := []string{"mounts", "cmdline", "bootinfo", "hostname", "loopback", "modules", "sysctls", "power-button", "metadata", "network", "config", "clock", "services"}
		for _, p := range append(stage1, stage2...) {
			if !regexp.MustCompile(`outpost: phase ` + p + ` +ok `).MatchString(out) {
				t.Errorf("phase %s not reported ok", p)
			}
		}
		// Booted from the squashfs alone, the node says once that its
		// state lives in memory.
		if n := strings.Count(out, "the node's state will not survive a reboot"); n != 1 {
			t.Errorf("the console said %d times that the state is in memory, want once", n)
		}
		if n := strings.Count(out, "outpost: phase mounts "); n != 2 {
			t.Errorf("phase mounts reported %d times, want once per stage", n)
		}
		if strings.Contains(out, "FAILED") || strings.Contains(out, "WARN") {
			t.Errorf("a phase failed or warned")
		}

		// PID 1 runs the build without Kubernetes and stays small.
		status := strings.Join(v.MustRun("cat /proc/1/status", cmdTimeout), "\n")
		m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindStringSubmatch(status)
		if m == nil {
			t.Errorf("no VmRSS in /proc/1/status:\n%s", status)
		} else if kb, _ := strconv.Atoi(m[1]); kb > 40*1024 {
			t.Errorf("PID 1 uses %d kB resident, want under 40 MiB", kb)
		}

		mounts := strings.Join(v.MustRun("cat /proc/mounts", cmdTimeout), "\n")
		if !regexp.MustCompile(`(?m)^/dev/vda / squashfs ro[,\s]`).MatchString(mounts) {
			t.Errorf("root is not a read-only squashfs on /dev/vda:\n%s", mounts)
		}
		if _, err := v.Run("exit-not-a-command", cmdTimeout); err == nil {
			t.Error("unknown console command accepted")
		}
		for _, m := range []string{"overlay /etc overlay", "tmpfs /var tmpfs", "cgroup2 /sys/fs/cgroup cgroup2"} {
			if !strings.Contains(mounts, m) {
				t.Errorf("mounts lack %q", m)
			}
		}

		modules := strings.Join(v.MustRun("cat /proc/modules", cmdTimeout), "\n")
		for _, m := range []string{"overlay", "br_netfilter", "nf_conntrack", "iptable_nat", "iptable_filter", "vxlan"} {
			if !regexp.MustCompile(`(?m)^` + m + ` `).MatchString(modules) {
				t.Errorf("module %s not loaded", m)
			}
		}
		for key, want := range map[string]string{
			"net/ipv4/ip_forward":                                "1",
			"net/bridge/bridge-nf-call-iptables":                 "1",
			"net/netfilter/nf_conntrack_max":                     "131072",
			"net/netfilter/nf_conntrack_tcp_timeout_established": "86400",
			"vm/overcommit_memory":                               "1",
		} {
			got := v.MustRun("cat /proc/sys/"+key, cmdTimeout)
			if len(got) != 1 || got[0] != want {
				t.Errorf("sysctl %s = %q, want %s", key, got, want)
			}
		}
	})
}

func TestOrphansReapedAndCrashedChildRestarted(t *testing.T) {
	forEachBoard(t, func(t *testing.T, name string) {
		v, pid := bootReady(t, options(t, name))

		lines := v.MustRun("orphan", cmdTimeout)
		if len(lines) != 1 || !strings.HasPrefix(lines[0], "orphan pid ") {
			t.Fatalf("orphan: %q", lines)
		}
		orphan := strings.TrimPrefix(lines[0], "orphan pid ")
		// The orphan sleeps a second, then exits; unreaped, it would stay a
		// zombie and /proc/PID would remain.
		var stat []string
		if err := vm.Poll(cmdTimeout, 0, func() (bool, error) {
			var err error
			stat, err = v.Run("cat /proc/"+orphan+"/stat", cmdTimeout)
			return err != nil, nil
		}); err != nil {
			t.Fatalf("orphan %s never reaped (%v): %q", orphan, err, stat)
		}

		v.MustRun("exit 3", cmdTimeout)
		v.Expect(`service console exited: process exit status 3; restarting in`, cmdTimeout)
		newPid := v.Expect(`outpost: console ready \(pid (\d+)\)`, cmdTimeout)[1]
		if newPid == pid {
			t.Errorf("console pid %s unchanged after the crash", pid)
		}
		init := v.MustRun("cat /proc/1/stat", cmdTimeout)
		if len(init) != 1 || !strings.HasPrefix(init[0], "1 (init) S") {
			t.Errorf("PID 1 after the crash: %q", init)
		}

		v.Send("kill 1 TERM")
		v.Expect(`outpost: shutting down \(power off\)`, cmdTimeout)
		v.Expect(`reboot: Power down`, cmdTimeout)
		if err := v.WaitExit(cmdTimeout); err != nil {
			t.Errorf("QEMU after power off: %v", err)
		}
	})
}

func TestPowerButtonPowersOff(t *testing.T) {
	forEachBoard(t, func(t *testing.T, name string) {
		v, _ := bootReady(t, options(t, name))
		v.Monitor("system_powerdown")
		v.Expect(`outpost: power button pressed`, cmdTimeout)
		v.Expect(`outpost: shutting down \(power off\)`, cmdTimeout)
		v.Expect(`reboot: Power down`, cmdTimeout)
		if err := v.WaitExit(cmdTimeout); err != nil {
			t.Errorf("QEMU after power off: %v", err)
		}
	})
}

func TestSIGINTReboots(t *testing.T) {
	forEachBoard(t, func(t *testing.T, name string) {
		o := options(t, name)
		o.NoReboot = true
		v, _ := bootReady(t, o)
		v.Send("kill 1 INT")
		v.Expect(`outpost: shutting down \(reboot\)`, cmdTimeout)
		v.Expect(`reboot: Restarting system`, cmdTimeout)
		v.WaitExit(cmdTimeout)
		if strings.Contains(v.Output(), "Power down") {
			t.Error("SIGINT powered off instead of rebooting")
		}
	})
}

func TestMissingRootIsAClearError(t *testing.T) {
	forEachBoard(t, func(t *testing.T, name string) {
		o := options(t, name, "outpost.rootwait=3")
		o.Root = ""
		v := vm.Boot(t, o)
		v.Expect(`root /dev/vda did not appear within 3s`, bootTimeout)
		v.Expect(`outpost: EMERGENCY: the boot cannot continue`, cmdTimeout)
		if strings.Contains(v.Output(), "Kernel panic") {
			t.Error("kernel panicked")
		}
	})
}

func TestCorruptRootIsAClearError(t *testing.T) {
	corrupt := filepath.Join(t.TempDir(), "corrupt.squashfs")
	junk := make([]byte, 4<<20)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(corrupt, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	o := options(t, "qemu-x86_64")
	o.Root = corrupt
	v := vm.Boot(t, o)
	v.Expect(`holds no valid squashfs root image; reflash the image`, bootTimeout)
	v.Expect(`outpost: EMERGENCY`, cmdTimeout)
}
