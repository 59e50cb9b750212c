// Package benchnode measures a working node under QEMU on this machine
// (make bench-boot runs it; it is a benchmark, never part of make test):
// the time from QEMU's start to the node being Ready and to the first pod
// of the baked test image Running, the memory Outpost's processes and
// containerd hold once the node idles (RSS and PSS, from the guest's
// /proc), and the root image's size. Figures are reported per board as
// benchmark metrics, with the ratio to the targets (Ready in 90 s,
// 450 MB of RSS).
package benchnode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image"
	"github.com/outpost-os/outpost/image/qemu"
	"github.com/outpost-os/outpost/images"
	"github.com/outpost-os/outpost/tests/vm"
)

// Targets of the issue, for the ratios.
const (
	targetReady = 90 * time.Second
	targetRSSMB = 450.0
	// idle is how long the node runs untouched before memory is read.
	idle    = 60 * time.Second
	timeout = 15 * time.Minute
)

func BenchmarkNodeX86(b *testing.B)   { benchNode(b, "qemu-x86_64") }
func BenchmarkNodeArm64(b *testing.B) { benchNode(b, "qemu-arm64") }

func benchNode(b *testing.B, boardName string) {
	bin, err := vm.HostBinary()
	if err != nil {
		b.Fatal(err)
	}
	dir, err := vm.Images(context.Background(), boardName)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		n := boot(b, bin, boardName, filepath.Join(dir, boardName))
		ready := n.waitReady(b)
		pod := n.firstPod(b)
		time.Sleep(idle) // the node idles; nothing to wait for
		rss, pss := n.memory(b)
		b.ReportMetric(ready.Seconds(), "ready_s")
		b.ReportMetric(pod.Seconds(), "pod_s")
		b.ReportMetric(rss, "rss_MB")
		b.ReportMetric(pss, "pss_MB")
		b.ReportMetric(ready.Seconds()/targetReady.Seconds(), "ready/target")
		b.ReportMetric(rss/targetRSSMB, "rss/target")
	}
	m, err := image.ReadManifest(filepath.Join(dir, boardName))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(m.Artifacts[image.RootFile].Size)/(1<<20), "squashfs_MiB")
}

// node is one booted server and how to reach it.
type node struct {
	v               *vm.VM
	bin, kubeconfig string
	start           time.Time
}

func boot(b *testing.B, bin, boardName, dir string) *node {
	bd, _ := board.Lookup(boardName)
	api, err1 := vm.FreePort()
	join, err2 := vm.FreePort()
	if err1 != nil || err2 != nil {
		b.Fatal(err1, err2)
	}
	tmp := b.TempDir()
	raw := make([]byte, 12)
	if _, err := rand.Read(raw); err != nil {
		b.Fatal(err)
	}
	secret := hex.EncodeToString(raw)
	tokenFile := filepath.Join(tmp, "token")
	cfg := filepath.Join(tmp, "config.yaml")
	write(b, tokenFile, secret)
	write(b, cfg, fmt.Sprintf(`#cloud-config
hostname: bench-1
outpost:
  role: server
  token: %s
  network:
    interfaces:
      - name: eth0
        addresses: [10.0.2.15/24]
        gateway: 10.0.2.2
`, secret))
	o := qemu.FromDir(qemu.Options{Board: bd, MemoryMB: 3072, CPUs: 2, Cmdline: []string{"outpost.console=on"},
		Forwards: []qemu.Forward{{Host: api, Guest: 6443}, {Host: join, Guest: 9345}},
		Extra:    []string{"-fw_cfg", "name=opt/outpost/config,file=" + cfg}}, dir)
	n := &node{bin: bin, kubeconfig: filepath.Join(tmp, "kubeconfig"), start: time.Now()}
	n.v = vm.Boot(b, o)
	n.poll(b, "kubeconfig", func() bool {
		_, err := run(bin, "kubeconfig", "--server", fmt.Sprintf("https://127.0.0.1:%d", join), "--token-file", tokenFile,
			"--api-server", fmt.Sprintf("https://127.0.0.1:%d", api), "--out", n.kubeconfig)
		return err == nil
	})
	return n
}

func write(b *testing.B, path, content string) {
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		b.Fatal(err)
	}
}

func (n *node) waitReady(b *testing.B) time.Duration {
	n.poll(b, "node Ready", func() bool {
		out, err := n.kubectl("get", "node", "bench-1", "-o", `jsonpath={.status.conditions[?(@.type=="Ready")].status}`)
		return err == nil && out == "True"
	})
	return time.Since(n.start)
}

// firstPod starts one pod of the baked workload and returns the time from
// QEMU's start to it running.
func (n *node) firstPod(b *testing.B) time.Duration {
	if out, err := n.kubectl("create", "deployment", "bench", "--image="+images.Workload, "--port=8080"); err != nil {
		b.Fatalf("create deployment: %v %s", err, out)
	}
	n.poll(b, "first pod Running", func() bool {
		out, err := n.kubectl("get", "pods", "-l", "app=bench", "--field-selector=status.phase=Running", "-o", "name")
		return err == nil && strings.TrimSpace(out) != ""
	})
	return time.Since(n.start)
}

// memory sums VmRSS and Pss of Outpost's processes (PID 1, the console,
// the role process) and containerd with its shims, in MB.
func (n *node) memory(b *testing.B) (rss, pss float64) {
	for _, line := range n.v.MustRun("ps", time.Minute) {
		var pid, ppid int
		var state, name string
		if _, err := fmt.Sscanf(line, "%d %d %s %s", &pid, &ppid, &state, &name); err != nil {
			continue
		}
		switch name {
		case "init", "outpost", "containerd", "containerd-shim":
		default:
			continue
		}
		status := n.v.MustRun(fmt.Sprintf("cat /proc/%d/status", pid), time.Minute)
		p := kbField(n.v.MustRun(fmt.Sprintf("cat /proc/%d/smaps_rollup", pid), time.Minute), "Pss:")
		b.Logf("pid %d %s: RSS %.1f MB (anon %.1f, file %.1f), PSS %.1f MB", pid, name,
			kbField(status, "VmRSS:")/1024, kbField(status, "RssAnon:")/1024, kbField(status, "RssFile:")/1024, p/1024)
		rss += kbField(status, "VmRSS:")
		pss += p
	}
	return rss / 1024, pss / 1024
}

func kbField(lines []string, key string) float64 {
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == key {
			var kb float64
			fmt.Sscanf(f[1], "%g", &kb)
			return kb
		}
	}
	return 0
}

func (n *node) kubectl(args ...string) (string, error) {
	return run(n.bin, append([]string{"kubectl", "--kubeconfig", n.kubeconfig}, args...)...)
}

func (n *node) poll(b *testing.B, what string, ok func() bool) {
	deadline := time.Now().Add(timeout)
	for !ok() {
		if time.Now().After(deadline) {
			b.Fatalf("%s: not within %s", what, timeout)
		}
		time.Sleep(time.Second)
	}
}

func run(name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}
