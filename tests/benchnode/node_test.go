// Package benchnode measures a working node under QEMU on this machine
// (make bench-boot runs it; it is a benchmark, never part of make test):
// the time from QEMU's start to the node being Ready and to the first pod
// of the baked test image Running, the memory Outpost's processes and
// containerd hold once the node idles (RSS and PSS, from the guest's
// /proc), and the root image's size. Figures are reported per board as
// benchmark metrics, with the ratio to the targets (Ready in 90 s,
// 450 MB of RSS). BenchmarkDiskBoot boots the same image directly and from
// disk.img through UEFI, one after the other in one run, and reports both
// times and their ratio, with disk.img's size.
package benchnode

import (
	"context"
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
	"github.com/outpost-os/outpost/services/baked"
	"github.com/outpost-os/outpost/tests/vm"
)

// Targets of the issue, for the ratios.
const (
	targetReady = 90 * time.Second
	targetRSSMB = 450.0
	// idle is how long the node runs untouched before memory is read.
	idle = 60 * time.Second
)

const nodeName = "bench-1"

func BenchmarkNodeX86(b *testing.B)   { benchNode(b, "qemu-x86_64") }
func BenchmarkNodeArm64(b *testing.B) { benchNode(b, "qemu-arm64") }

func imageDir(b *testing.B, boardName string) (board.Board, string) {
	dir, err := vm.Images(context.Background(), boardName)
	if err != nil {
		b.Fatal(err)
	}
	return vm.Board(b, dir, boardName)
}

func benchNode(b *testing.B, boardName string) {
	bd, dir := imageDir(b, boardName)
	for i := 0; i < b.N; i++ {
		n, ready := bootReady(b, vm.Direct(bd, dir))
		pod := firstPod(b, n)
		time.Sleep(idle) // the node idles; nothing to wait for
		rss, pss := memory(b, n)
		b.ReportMetric(ready.Seconds(), "ready_s")
		b.ReportMetric(pod.Seconds(), "pod_s")
		b.ReportMetric(rss, "rss_MB")
		b.ReportMetric(pss, "pss_MB")
		b.ReportMetric(ready.Seconds()/targetReady.Seconds(), "ready/target")
		b.ReportMetric(rss/targetRSSMB, "rss/target")
	}
	m, err := image.ReadManifest(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(m.Artifacts[image.RootFile].Size)/(1<<20), "squashfs_MiB")
}

// BenchmarkDiskBoot compares, in one run, QEMU start to node Ready by a
// direct kernel boot of the x86_64 image and by its disk.img through OVMF
// and systemd-boot (growing an 8 GiB disk on the way), and reports
// disk.img's size on disk and compressed with zstd.
func BenchmarkDiskBoot(b *testing.B) {
	bd, dir := imageDir(b, "qemu-x86_64")
	for i := 0; i < b.N; i++ {
		n, directReady := bootReady(b, vm.Direct(bd, dir))
		n.VM.PowerCut()
		uefi := vm.UEFI(b, bd, vm.Disk(b, dir, 8<<30, vm.ConsoleOn))
		n, uefiReady := bootReady(b, uefi)
		n.VM.PowerCut()
		b.ReportMetric(directReady.Seconds(), "direct_ready_s")
		b.ReportMetric(uefiReady.Seconds(), "uefi_ready_s")
		b.ReportMetric(uefiReady.Seconds()/directReady.Seconds(), "uefi/direct")
	}
	img := filepath.Join(dir, image.DiskFile)
	st, err := os.Stat(img)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "disk_MiB")
	out, err := exec.Command("sh", "-c", "zstd -q -c -T0 "+img+" | wc -c").Output()
	if err != nil {
		b.Fatalf("zstd: %v", err)
	}
	var zbytes float64
	fmt.Sscanf(strings.TrimSpace(string(out)), "%g", &zbytes)
	b.ReportMetric(zbytes/(1<<20), "disk_zstd_MiB")
}

// bootReady boots a server and returns it with the time from QEMU's
// start to its node being Ready.
func bootReady(b *testing.B, o qemu.Options) (*vm.Node, time.Duration) {
	secret := vm.NewSecret(b)
	n := vm.BootNode(b, o, nodeName, vm.ServerConfig(nodeName, secret, ""))
	n.FetchKubeconfig(b, secret)
	n.WaitReady(b, nodeName)
	return n, time.Since(n.Started)
}

// firstPod starts one pod of the baked workload and returns the time from
// QEMU's start to it running.
func firstPod(b *testing.B, n *vm.Node) time.Duration {
	n.MustKubectl(b, "create", "deployment", "bench", "--image="+baked.Workload, "--port=8080")
	n.RunningPods(b, "bench", 1)
	return time.Since(n.Started)
}

// memory sums VmRSS and Pss of Outpost's processes (PID 1, the console,
// the role process) and containerd with its shims, in MB.
func memory(b *testing.B, n *vm.Node) (rss, pss float64) {
	for _, line := range n.VM.MustRun("ps", time.Minute) {
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
		status := n.VM.MustRun(fmt.Sprintf("cat /proc/%d/status", pid), time.Minute)
		p := kbField(n.VM.MustRun(fmt.Sprintf("cat /proc/%d/smaps_rollup", pid), time.Minute), "Pss:")
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
