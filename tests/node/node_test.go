// Package node_test boots the x86_64 image in QEMU with metadata from each
// kind of source and proves what the node makes of it: a NoCloud seed ISO
// and a QEMU fw_cfg entry set the hostname and the role, invalid user-data
// gives maintenance mode with the error on the console, QEMU's DHCP server
// configures the interface, and a static configuration wins over DHCP.
package node_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/image/seed"
	"github.com/outpost-os/outpost/tests/vm"
)

const boardName = "qemu-x86_64"

var images string

func TestMain(m *testing.M) {
	vm.Main(m, &images, boardName)
}

const (
	bootTimeout = 4 * time.Minute
	cmdTimeout  = time.Minute
)

func boot(t *testing.T, extra ...string) *vm.VM {
	o := vm.Direct(vm.Board(t, images, boardName))
	o.MemoryMB, o.Extra = 1024, extra
	v := vm.Boot(t, o)
	v.Expect(`outpost: console ready`, bootTimeout)
	return v
}

const agentUserData = `#cloud-config
hostname: edge-7
outpost:
  role: agent
  server: https://10.0.2.2:9345
  token: K10abc::node:s3cret-token
  node_labels:
    site: shop-12
`

func catFile(t *testing.T, v *vm.VM, path string) string {
	return strings.Join(v.MustRun("cat "+path, cmdTimeout), "\n")
}

func catStat(t *testing.T, v *vm.VM, path string) string {
	return strings.Join(v.MustRun("stat "+path, cmdTimeout), "\n")
}

func checkAgentConfig(t *testing.T, v *vm.VM, source string) {
	t.Helper()
	src := regexp.QuoteMeta(source)
	line := `outpost: config: role agent \(` + src + `[^,]*, hostname edge-7 \(` + src + `[^,]*, server https://10\.0\.2\.2:9345 \(` + src
	if !regexp.MustCompile(line).MatchString(v.Output()) {
		t.Errorf("no config line naming source %s:\n%s", source, grep(v.Output(), "outpost: config"))
	}
	if strings.Contains(v.Output(), "s3cret-token") {
		t.Error("the join token reached the console")
	}
	if st := catStat(t, v, "/etc/outpost/config.yaml"); !strings.HasPrefix(st, "mode 0600 ") {
		t.Errorf("config.yaml holding the token: %s", st)
	}
	if got := catFile(t, v, "/proc/sys/kernel/hostname"); got != "edge-7" {
		t.Errorf("hostname = %q", got)
	}
	saved := catFile(t, v, "/etc/outpost/config.yaml")
	for _, want := range []string{"role: agent", "server: https://10.0.2.2:9345", "site: shop-12"} {
		if !strings.Contains(saved, want) {
			t.Errorf("saved config lacks %q:\n%s", want, saved)
		}
	}
	if strings.Contains(v.Output(), "MAINTENANCE") {
		t.Error("a valid configuration gave maintenance mode")
	}
}

func TestSeedISOSetsHostnameAndRole(t *testing.T) {
	iso := filepath.Join(t.TempDir(), "seed.iso")
	if err := seed.Write(iso, seed.Files{UserData: []byte(agentUserData), MetaData: []byte("instance-id: i-7\nlocal-hostname: ignored-by-user-data\n")}); err != nil {
		t.Fatal(err)
	}
	v := boot(t, "-drive", "file="+iso+",if=virtio,format=raw,readonly=on")
	checkAgentConfig(t, v, "nocloud")
}

func TestFwCfgSetsHostnameAndRole(t *testing.T) {
	v := boot(t, vm.FwCfgConfig(t, agentUserData)...)
	checkAgentConfig(t, v, "fw_cfg")
}

func TestInvalidUserDataGivesMaintenanceModeAndDHCP(t *testing.T) {
	iso := filepath.Join(t.TempDir(), "seed.iso")
	bad := "#cloud-config\noutpost:\n  role: captain\n  server: not a url\n"
	if err := seed.Write(iso, seed.Files{UserData: []byte(bad)}); err != nil {
		t.Fatal(err)
	}
	v := boot(t, "-drive", "file="+iso+",if=virtio,format=raw,readonly=on")
	out := v.Output()
	if strings.Contains(out, "unknown kernel command line key") {
		t.Error("PID 1's own boot parameters warned about as unknown")
	}
	if !strings.Contains(out, "outpost: MAINTENANCE MODE") {
		t.Fatal("no maintenance mode announced")
	}
	if !regexp.MustCompile(`outpost: maintenance: .*nocloud.*line 3.*role`).MatchString(out) {
		t.Errorf("the error does not name the source, line and key:\n%s", grep(out, "maintenance"))
	}
	if !strings.Contains(out, "(maintenance mode)") {
		t.Error("ready line does not say maintenance mode")
	}
	// The network stays up in maintenance mode: DHCP from QEMU's user
	// network gives 10.0.2.15/24.
	if !regexp.MustCompile(`outpost: network eth0 10\.0\.2\.15/24 \(dhcp\)`).MatchString(out) {
		t.Errorf("eth0 not configured by DHCP:\n%s", grep(out, "network"))
	}
	// QEMU's DHCP server leaves out the router and DNS options under
	// restrict=on, so the lease brings the address and subnet route only.
	if !strings.Contains(catFile(t, v, "/proc/net/route"), "eth0\t0002000A\t00000000") {
		t.Error("no route to the DHCP subnet 10.0.2.0/24 on eth0")
	}
}

func TestStaticConfigWinsOverDHCP(t *testing.T) {
	cfg := agentUserData + `  network:
    interfaces:
      - name: eth0
        addresses: [10.0.2.77/24]
        gateway: 10.0.2.2
        dns: [10.0.2.3]
`
	v := boot(t, vm.FwCfgConfig(t, cfg)...)
	out := v.Output()
	for _, want := range []string{`outpost: network eth0 10\.0\.2\.77/24 \(static\)`, `outpost: node ip 10\.0\.2\.77`, `outpost: ready: `} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("console lacks %s:\n%s", want, grep(out, "outpost: "))
		}
	}
	if strings.Contains(out, "10.0.2.15") {
		t.Error("DHCP address used although a static one was configured")
	}
	if !defaultRouteVia(catFile(t, v, "/proc/net/route"), "0202000A") {
		t.Error("no default route via the static gateway 10.0.2.2")
	}
}

// defaultRouteVia looks in /proc/net/route for a default route through a
// gateway (hex, little-endian as the kernel prints it).
func defaultRouteVia(table, gateway string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(line)
		if len(f) > 2 && f[1] == "00000000" && f[2] == gateway {
			return true
		}
	}
	return false
}

func grep(s, word string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, word) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
