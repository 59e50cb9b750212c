package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/outpost-os/outpost/tests/vm"
)

// readyDeadline bounds the wait for /readyz.
const readyDeadline = 5 * time.Minute

// result is what one scenario measured.
type result struct {
	name    string
	ready   time.Duration
	rssMB   float64
	anonMB  float64 // the anonymous part of rssMB (the rest is the binaries' pages)
	created int
	took    time.Duration
	secrets int // Secrets created after the ConfigMaps
	secTook time.Duration
}

func (r result) rate() float64 { return float64(r.created) / r.took.Seconds() }

func (r result) secretRate() float64 { return float64(r.secrets) / r.secTook.Seconds() }

func (r result) String() string {
	return fmt.Sprintf("%-22s ready %6.2fs  idle RSS %6.1f MB (anon %6.1f)  %d ConfigMaps in %6.2fs = %7.1f/s  %d Secrets in %6.2fs = %7.1f/s",
		r.name, r.ready.Seconds(), r.rssMB, r.anonMB, r.created, r.took.Seconds(), r.rate(),
		r.secrets, r.secTook.Seconds(), r.secretRate())
}

// measure starts a scenario, waits for /readyz, idles, reads RSS, runs the
// load and stops everything.
func measure(ctx context.Context, s settings, sc scenario) (result, error) {
	p, err := vm.FreeServerPorts()
	if err != nil {
		return result{}, err
	}
	t0 := time.Now()
	procs, err := sc.start(ctx, p)
	defer stopAll(procs)
	if err != nil {
		return result{}, err
	}
	r := result{name: sc.name}
	client, err := waitReady(ctx, sc, p, procs)
	if err != nil {
		return r, err
	}
	r.ready = time.Since(t0)
	select {
	case <-time.After(s.idle):
	case <-ctx.Done():
		return r, ctx.Err()
	}
	if r.rssMB, err = memory(procs, "VmRSS:"); err != nil {
		return r, err
	}
	if r.anonMB, err = memory(procs, "RssAnon:"); err != nil {
		return r, err
	}
	if r.created, r.took, err = load(ctx, client, s.count, s.clients, createConfigMap); err != nil {
		return r, err
	}
	r.secrets, r.secTook, err = load(ctx, client, s.count, s.clients, createSecret)
	return r, err
}

func waitReady(ctx context.Context, sc scenario, p vm.ServerPorts, procs []*proc) (*kubernetes.Clientset, error) {
	deadline := time.Now().Add(readyDeadline)
	for time.Now().Before(deadline) {
		for _, c := range procs {
			select {
			case <-c.exited:
				return nil, fmt.Errorf("%s exited before ready (see its log)", c.cmd.Path)
			default:
			}
		}
		if cfg, err := sc.client(p); err == nil {
			c, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return nil, err
			}
			body, err := c.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
			if err == nil && string(body) == "ok" {
				return c, nil
			}
		}
		select {
		case <-time.After(50 * time.Millisecond):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return nil, fmt.Errorf("not ready after %s", readyDeadline)
}

// createConfigMap and createSecret make object i of a load, 256 bytes of
// payload each.
func createConfigMap(ctx context.Context, c *kubernetes.Clientset, i int) error {
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm-" + strconv.Itoa(i)},
		Data: map[string]string{"index": strconv.Itoa(i), "payload": strings.Repeat("x", 256)}}
	_, err := c.CoreV1().ConfigMaps("bench").Create(ctx, cm, metav1.CreateOptions{})
	return err
}

func createSecret(ctx context.Context, c *kubernetes.Clientset, i int) error {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "secret-" + strconv.Itoa(i)},
		StringData: map[string]string{"index": strconv.Itoa(i), "payload": strings.Repeat("x", 256)}}
	_, err := c.CoreV1().Secrets("bench").Create(ctx, s, metav1.CreateOptions{})
	return err
}

// load creates count objects with create in namespace bench (made when
// missing) with n parallel clients and returns how many were created and
// how long it took.
func load(ctx context.Context, c *kubernetes.Clientset, count, n int, create func(context.Context, *kubernetes.Clientset, int) error) (int, time.Duration, error) {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}
	if _, err := c.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return 0, 0, err
	}
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	created := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range n {
		wg.Go(func() {
			for i := range jobs {
				err := create(ctx, c, i)
				mu.Lock()
				if err == nil {
					created++
				} else if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for i := range count {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return created, time.Since(start), firstErr
}

// memory sums a field of /proc/<pid>/status (in kB) over the processes, in
// MB.
func memory(procs []*proc, field string) (float64, error) {
	total := 0.0
	for _, c := range procs {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
		if err != nil {
			return 0, err
		}
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == field {
				kb, err := strconv.ParseFloat(f[1], 64)
				if err != nil {
					return 0, err
				}
				total += kb / 1024
			}
		}
	}
	return total, nil
}

// stopAll sends SIGTERM, waits up to 30 s, then kills.
func stopAll(procs []*proc) {
	for i := len(procs) - 1; i >= 0; i-- {
		c := procs[i]
		c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			c.cmd.Process.Kill()
			<-c.exited
		}
	}
}
