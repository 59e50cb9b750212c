package containerd

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	criclient "k8s.io/cri-client/pkg"

	"github.com/outpost-os/outpost/image/oci"
	"github.com/outpost-os/outpost/services/supervisor"
)

// The runtime test runs the real containerd of the outpost-runtime build on
// this host, in a network namespace of its own with nothing but loopback:
// it imports archives the test writes, answers CRI, runs a container
// through its shim and runc, and is restarted by the supervisor when killed.

const testRef = "outpost.local/runtime-test:1.0"

var (
	buildOnce sync.Once
	built     map[string]string // flavour name -> binary
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// flavours are the builds the test runs, with the variable that names a
// ready binary instead.
var flavours = []struct{ name, tags, env string }{
	{"outpost-runtime", "initramfs,containerd", "OUTPOST_RUNTIME"},
	{"outpost-shim", "initramfs,shim", "OUTPOST_SHIM"},
}

// runtimeBinary is $OUTPOST_RUNTIME, or the outpost-runtime build made once
// per test run with the Makefile's flags (so the build cache of `make`
// serves it).
func runtimeBinary(t *testing.T) string { return flavour(t, "outpost-runtime") }

// shimBinary is $OUTPOST_SHIM, or the outpost-shim build, likewise.
func shimBinary(t *testing.T) string { return flavour(t, "outpost-shim") }

func flavour(t *testing.T, name string) string {
	t.Helper()
	buildOnce.Do(buildFlavours)
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return built[name]
}

func buildFlavours() {
	built = map[string]string{}
	for _, f := range flavours {
		if p := os.Getenv(f.env); p != "" {
			built[f.name] = p
			continue
		}
		if buildDir == "" {
			if buildDir, buildErr = os.MkdirTemp("", "outpost-runtime-"); buildErr != nil {
				return
			}
		}
		built[f.name] = filepath.Join(buildDir, f.name)
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-tags", f.tags,
			"-o", built[f.name], "github.com/outpost-os/outpost/cmd/outpost")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build %s: %v\n%s", f.name, err, out)
			return
		}
	}
}

// testNode is a containerd run by a supervisor in its own network
// namespace, all its files under one short temporary folder.
type testNode struct {
	cfg   Config
	base  string
	netns string
	sup   *supervisor.Supervisor
	rs    internalapi.RuntimeService
	is    internalapi.ImageManagerService
}

func startNode(t *testing.T, ctx context.Context) *testNode {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("this test runs containerd and needs root (CI runs as root)")
	}
	bin := runtimeBinary(t)
	// Short: the shims' socket folder must fit in 42 characters.
	base, err := os.MkdirTemp("", "oc")
	if err != nil {
		t.Fatal(err)
	}
	n := &testNode{base: base}
	t.Cleanup(n.cleanup)
	b := make([]byte, 3)
	rand.Read(b)
	n.netns = fmt.Sprintf("oc-%d-%s", os.Getpid(), hex.EncodeToString(b))
	run(t, "ip", "netns", "add", n.netns)
	run(t, "ip", "-n", n.netns, "link", "set", "lo", "up")

	// containerd and its shim are links to the runtime and shim builds, as
	// on a node; a wrapper starts containerd in the namespace (exec all
	// the way, so its PID is the supervised one).
	binDir := filepath.Join(base, "bin")
	os.MkdirAll(binDir, 0o755)
	for link, target := range map[string]string{"containerd": bin, "containerd-shim-runc-v2": shimBinary(t)} {
		if err := os.Symlink(target, filepath.Join(binDir, link)); err != nil {
			t.Fatal(err)
		}
	}
	wrapper := filepath.Join(binDir, "containerd-in-netns")
	script := fmt.Sprintf("#!/bin/sh\nexec nsenter --net=/run/netns/%s -- %s/containerd \"$@\"\n", n.netns, binDir)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	n.cfg = Defaults()
	n.cfg.Binary = wrapper
	n.cfg.Root = filepath.Join(base, "root")
	n.cfg.State = filepath.Join(base, "state")
	n.cfg.Socket = filepath.Join(base, "state", "containerd.sock")
	n.cfg.ConfigFile = filepath.Join(base, "etc", "containerd", "config.toml")
	n.cfg.CNIConfDir = filepath.Join(base, "etc", "cni", "net.d")
	n.cfg.SandboxImage = testRef
	n.cfg.Path = binDir + ":" + DefaultPath

	n.startSupervisor(t, ctx)
	if n.rs, err = criclient.NewRemoteRuntimeServiceBuilder().WithEndpoint(n.cfg.Endpoint()).
		WithConnectionTimeout(10 * time.Second).WithTracerProvider(nil).Build(ctx); err != nil {
		t.Fatal(err)
	}
	if n.is, err = criclient.NewRemoteImageServiceBuilder().WithEndpoint(n.cfg.Endpoint()).
		WithConnectionTimeout(10 * time.Second).WithTracerProvider(nil).Build(ctx); err != nil {
		t.Fatal(err)
	}
	return n
}

// startSupervisor starts containerd as a service and waits until it is
// ready.
func (n *testNode) startSupervisor(t *testing.T, ctx context.Context) {
	t.Helper()
	n.sup = supervisor.New(supervisor.Options{LogDir: filepath.Join(n.base, "log"),
		Backoff: supervisor.Backoff{Initial: 200 * time.Millisecond}})
	if err := n.sup.Start(ctx, []supervisor.Service{n.cfg.Service(nil)}); err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := n.sup.Wait(wctx, ServiceName); err != nil {
		t.Fatalf("%v\nlog:\n%s", err, n.sup.Log(ServiceName))
	}
}

// cgroupParent is the test pod's cgroup (the kubelet gives each pod one).
func (n *testNode) cgroupParent() string { return "/" + filepath.Base(n.base) }

// cleanup stops containerd, ends what is left of its shims and
// containers, unmounts everything below the folder and removes it.
func (n *testNode) cleanup() {
	if n.sup != nil {
		n.sup.Stop()
	}
	for _, pid := range pidsWith(n.base) {
		syscall.Kill(pid, syscall.SIGKILL)
	}
	time.Sleep(100 * time.Millisecond)
	mounts := mountsUnder(n.base)
	sort.Sort(sort.Reverse(sort.StringSlice(mounts)))
	for _, m := range mounts {
		syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if n.netns != "" {
		exec.Command("ip", "netns", "del", n.netns).Run()
	}
	// The pod's cgroups, in each hierarchy (cgroup v1) or the one (v2).
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", n.cgroupParent()))
	dirs = append(dirs, filepath.Join("/sys/fs/cgroup", n.cgroupParent()))
	for _, d := range dirs {
		children, _ := filepath.Glob(filepath.Join(d, "*", "cgroup.procs"))
		for _, c := range children {
			os.Remove(filepath.Dir(c))
		}
		os.Remove(d)
	}
	os.RemoveAll(n.base)
}

func TestRuntime(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	runtimeBinary(t)
	start := time.Now()
	n := startNode(t, ctx)
	t.Logf("containerd ready in %s", time.Since(start).Round(time.Millisecond))

	t.Run("own network namespace", func(t *testing.T) {
		pid := n.containerdPID(t)
		if !sameFile(fmt.Sprintf("/proc/%d/ns/net", pid), "/run/netns/"+n.netns) {
			t.Errorf("containerd (pid %d) is not in network namespace %s", pid, n.netns)
		}
		out, _ := exec.Command("ip", "-n", n.netns, "route", "show", "default").Output()
		if len(bytes.TrimSpace(out)) > 0 {
			t.Errorf("the namespace has a route out: %s", out)
		}
	})

	t.Run("CRI runtime config", func(t *testing.T) {
		rc, err := n.rs.RuntimeConfig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if d := rc.GetLinux().GetCgroupDriver(); d != runtimeapi.CgroupDriver_CGROUPFS {
			t.Errorf("cgroup driver %v, want cgroupfs", d)
		}
	})

	images := filepath.Join(n.base, "images")
	os.MkdirAll(images, 0o755)
	bin := runtimeBinary(t)
	writeImage(t, filepath.Join(images, "runtime-test.tar"), oci.Image{Ref: testRef, Arch: runtime.GOARCH,
		Entrypoint: []string{"/outpost", "debug", "sleep", "1h"},
		Files:      []oci.File{{Path: "outpost", Source: bin, Mode: 0o755}, {Path: "etc/hello", Data: []byte("hello\n")}}})

	t.Run("import and pin", func(t *testing.T) {
		start := time.Now()
		if err := Import(ctx, bin, n.cfg.Socket, images, filepath.Join(n.base, "no-such-folder")); err != nil {
			t.Fatal(err)
		}
		t.Logf("imported in %s", time.Since(start).Round(time.Millisecond))
		n.wantPinned(t, ctx, testRef)
	})

	t.Run("import again", func(t *testing.T) {
		if err := Import(ctx, bin, n.cfg.Socket, images); err != nil {
			t.Fatal(err)
		}
		n.wantPinned(t, ctx, testRef)
	})

	t.Run("bad archive", func(t *testing.T) {
		dir := filepath.Join(n.base, "more-images")
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "a-corrupt.tar"), bytes.Repeat([]byte("not a tar "), 200), 0o644)
		writeImage(t, filepath.Join(dir, "b-good.tar"), oci.Image{Ref: "outpost.local/second:2.0", Arch: runtime.GOARCH,
			Files: []oci.File{{Path: "etc/second", Data: []byte("2\n")}}})
		err := Import(ctx, bin, n.cfg.Socket, dir)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "a-corrupt.tar")) {
			t.Fatalf("err = %v, want one naming a-corrupt.tar", err)
		}
		t.Logf("error: %v", err)
		n.wantPinned(t, ctx, "outpost.local/second:2.0")
	})

	t.Run("container through the shim", func(t *testing.T) {
		if _, err := os.Stat(DefaultRunc); err != nil {
			t.Skipf("no runc at %s (Debian's runc package; make deps installs it)", DefaultRunc)
		}
		n.runContainer(t, ctx)
	})

	t.Run("restarted when killed", func(t *testing.T) {
		pid := n.containerdPID(t)
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			st := n.sup.Status()[0]
			if st.Restarts >= 1 && st.State == supervisor.StateReady {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("not restarted: %+v\nlog:\n%s", st, n.sup.Log(ServiceName))
			}
			time.Sleep(100 * time.Millisecond)
		}
		if newPID := n.containerdPID(t); newPID == pid {
			t.Errorf("same pid %d after the restart", pid)
		}
		if err := n.cfg.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		n.wantPinned(t, ctx, testRef)
	})

	if pid := n.containerdPID(t); pid > 0 {
		t.Logf("idle containerd: %s", rss(pid))
	}

	t.Run("left running by a killed role process", func(t *testing.T) {
		n.sup.Stop()
		// Started outside any supervisor, like the containerd of a role
		// process that was killed before it could stop it.
		stale := exec.Command(n.cfg.Binary, "--config", n.cfg.ConfigFile)
		stale.Env = n.cfg.Env()
		stale.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		if err := stale.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan struct{})
		go func() { stale.Wait(); close(exited) }()
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if err := n.cfg.WaitReady(wctx); err != nil {
			t.Fatal(err)
		}
		n.startSupervisor(t, ctx)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			t.Fatalf("the stale containerd (pid %d) still runs", stale.Process.Pid)
		}
		if pid := n.containerdPID(t); pid == stale.Process.Pid {
			t.Errorf("the stale containerd serves")
		}
		n.wantPinned(t, ctx, testRef)
	})
}

// wantPinned checks through CRI that ref is there once and pinned.
func (n *testNode) wantPinned(t *testing.T, ctx context.Context, ref string) {
	t.Helper()
	imgs, err := n.is.ListImages(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var found []*runtimeapi.Image
	for _, img := range imgs {
		for _, tag := range img.RepoTags {
			if tag == ref {
				found = append(found, img)
			}
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s in %d CRI images, want 1: %v", ref, len(found), imgs)
	}
	if !found[0].Pinned {
		t.Errorf("%s is not pinned", ref)
	}
	st, err := n.is.ImageStatus(ctx, &runtimeapi.ImageSpec{Image: ref}, false)
	if err != nil {
		t.Fatal(err)
	}
	if st.Image == nil || !st.Image.Pinned || st.Image.Id != found[0].Id {
		t.Errorf("image status of %s: %v", ref, st.Image)
	}
}

// runContainer runs a pod (host network: no CNI here) whose sandbox is the
// test image, and in it a container that prints the runtime's version.
func (n *testNode) runContainer(t *testing.T, ctx context.Context) {
	logs := filepath.Join(n.base, "pods")
	pod := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "shim-test", Namespace: "default", Uid: "shim-test-uid"},
		LogDirectory: logs,
		Linux: &runtimeapi.LinuxPodSandboxConfig{CgroupParent: n.cgroupParent(),
			SecurityContext: &runtimeapi.LinuxSandboxSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Network: runtimeapi.NamespaceMode_NODE}}},
	}
	podID, err := n.rs.RunPodSandbox(ctx, pod, "")
	if err != nil {
		t.Fatalf("run pod sandbox: %v\nlog:\n%s", err, n.sup.Log(ServiceName))
	}
	defer func() {
		n.rs.StopPodSandbox(ctx, podID)
		n.rs.RemovePodSandbox(ctx, podID)
	}()
	ctr := &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "hello"},
		Image:    &runtimeapi.ImageSpec{Image: testRef},
		Command:  []string{"/outpost", "version"},
		LogPath:  "hello.log",
	}
	id, err := n.rs.CreateContainer(ctx, podID, ctr, pod)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.rs.StartContainer(ctx, id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := n.rs.ContainerStatus(ctx, id, false)
		if err != nil {
			t.Fatal(err)
		}
		if st.Status.State == runtimeapi.ContainerState_CONTAINER_EXITED {
			if st.Status.ExitCode != 0 {
				t.Errorf("container exited %d: %s", st.Status.ExitCode, st.Status.Message)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("container still %v", st.Status.State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	n.checkShims(t)
	out, _ := os.ReadFile(filepath.Join(logs, "hello.log"))
	if !strings.Contains(string(out), "stdout F outpost ") {
		t.Errorf("container log:\n%s", out)
	}
}

// checkShims proves that the pod's shim runs the shim build, not the
// runtime build containerd runs.
func (n *testNode) checkShims(t *testing.T) {
	t.Helper()
	want, err := filepath.Abs(shimBinary(t))
	if err == nil {
		want, err = filepath.EvalSymlinks(want)
	}
	if err != nil {
		t.Fatal(err)
	}
	// This containerd's shims: they name its socket.
	shims := pidsWith("-address\x00" + n.cfg.Socket + "\x00")
	if len(shims) == 0 {
		t.Fatal("no shim process while the pod runs")
	}
	for _, pid := range shims {
		exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
		if err != nil || exe != want {
			t.Errorf("shim %d runs %q (%v), want the shim build %s", pid, exe, err, want)
		}
		t.Logf("shim: %s", rss(pid))
	}
}

func writeImage(t *testing.T, path string, img oci.Image) {
	t.Helper()
	if _, err := oci.Write(img, path); err != nil {
		t.Fatal(err)
	}
}

// containerdPID finds the daemon by its config file on its command line.
func (n *testNode) containerdPID(t *testing.T) int {
	t.Helper()
	pids := pidsWith("--config\x00" + n.cfg.ConfigFile)
	if len(pids) != 1 {
		t.Fatalf("%d containerd processes with %s", len(pids), n.cfg.ConfigFile)
	}
	return pids[0]
}

// pidsWith lists the processes whose command line (NUL-separated) holds s.
func pidsWith(s string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if bytes.Contains(cmdline, []byte(s)) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 && strings.HasPrefix(fields[4], dir+"/") {
			out = append(out, fields[4])
		}
	}
	return out
}

// rss describes a process's resident memory: all, anonymous (its own),
// file-backed (the binary's pages, shared by every process of it) and its
// proportional share.
func rss(pid int) string {
	data, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	var parts []string
	for _, line := range strings.Split(string(data), "\n") {
		for _, key := range []string{"VmRSS:", "RssAnon:", "RssFile:"} {
			if v, ok := strings.CutPrefix(line, key); ok {
				parts = append(parts, key+" "+strings.TrimSpace(v))
			}
		}
	}
	rollup, _ := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	for _, line := range strings.Split(string(rollup), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			parts = append(parts, "Pss: "+strings.TrimSpace(v))
		}
	}
	return strings.Join(parts, ", ")
}

func sameFile(a, b string) bool {
	sa, errA := os.Stat(a)
	sb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(sa, sb)
}

func run(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}
