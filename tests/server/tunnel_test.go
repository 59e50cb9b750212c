package server_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/pki"
	"github.com/outpost-os/outpost/services/token"
	"github.com/outpost-os/outpost/services/tunnel"
	"github.com/outpost-os/outpost/tests/vm"
)

// TestLogsThroughTunnel registers a node whose kubelet the server cannot
// dial: the node's address is one of this host's, where nothing listens on
// 10250, and the fake kubelet listens elsewhere, reachable only through
// the agent's tunnel (its local dialer maps the node address to it). Pod
// logs fetched from kube-apiserver come back through the tunnel.
func TestLogsThroughTunnel(t *testing.T) {
	nodeIP := hostIP(t)
	nodeAddr := net.JoinHostPort(nodeIP.String(), "10250")
	if c, err := net.DialTimeout("tcp", nodeAddr, 2*time.Second); err == nil {
		c.Close()
		t.Skipf("something listens on %s: the server could reach it directly", nodeAddr)
	} else if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Skipf("%s is not refused locally (%v)", nodeAddr, err)
	}
	dir := t.TempDir()
	s := start(t, dir, vm.MustFreeServerPorts(t))
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	for path, want := range map[string]string{
		filepath.Join(dir, "server", "egress.sock"):                 "Srw-------",
		filepath.Join(dir, "server", "etc", "egress-selector.yaml"): "-rw-------",
	} {
		if st, err := os.Stat(path); err != nil || st.Mode().String() != want {
			t.Errorf("%s: %v %v, want %s", path, st.Mode(), err, want)
		}
	}

	// The agent's credentials, as an agent gets them.
	base := vm.LocalURL(s.ports.Supervisor)
	agentTok, err := token.ReadFile(filepath.Join(dir, "server", "agent-token"))
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := joinapi.FetchCA(ctx, base, agentTok)
	if err != nil {
		t.Fatal(err)
	}
	jc, err := joinapi.NewClient(base, agentTok, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	defer jc.Close()
	id := &joinapi.NodeIdentity{Name: "tunnel-node", Password: "pw-of-tunnel-node", IPs: []net.IP{nodeIP}}
	keyPEM, err := pki.NodeKey(filepath.Join(t.TempDir(), "kubelet.key"))
	if err != nil {
		t.Fatal(err)
	}
	csr, err := pki.NewCSR(keyPEM, id.Name)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := jc.PostCSR(ctx, "serving-kubelet.crt", csr, id)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}

	// The fake kubelet, on a loopback port nobody is told about.
	var mu sync.Mutex
	var served, dialled []string
	kl, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{pair}})
	if err != nil {
		t.Fatal(err)
	}
	ks := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		served = append(served, r.URL.Path)
		mu.Unlock()
		fmt.Fprintln(w, "hello from behind the tunnel")
	})}
	go ks.Serve(kl)
	defer ks.Close()

	ep := jc.TunnelEndpoint(id)
	tc := &tunnel.Client{URL: ep.URL, Header: ep.Header, TLS: ep.TLS, NodeIPs: id.IPs,
		Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
			mu.Lock()
			dialled = append(dialled, addr)
			mu.Unlock()
			if addr != nodeAddr {
				return nil, fmt.Errorf("nothing at %s", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, kl.Addr().String())
		}}
	tctx, tcancel := context.WithCancel(ctx)
	tdone := make(chan struct{})
	go func() { tc.Run(tctx); close(tdone) }()
	defer func() { tcancel(); <-tdone }()
	vm.MustPoll(t, "tunnel connected in the server's log", time.Minute, pollInterval, func() (bool, error) {
		for _, l := range strings.Split(s.stderr.String(), "\n") {
			if strings.Contains(l, `msg="agent tunnel connected"`) && strings.Contains(l, "node=tunnel-node") {
				return true, nil
			}
		}
		return false, nil
	})

	cs := s.client()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: id.Name}}
	node, err = cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: nodeIP.String()}, {Type: corev1.NodeHostName, Address: id.Name}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = 10250
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	no := false
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.PodSpec{
		NodeName: id.Name, AutomountServiceAccountToken: &no,
		Containers: []corev1.Container{{Name: "app", Image: "outpost.test/none:1"}}}}
	vm.MustPoll(t, "pod created", time.Minute, pollInterval, func() (bool, error) {
		_, err := cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
		return err == nil, err // the default service account may not exist yet
	})

	var body []byte
	vm.MustPoll(t, "pod logs", time.Minute, pollInterval, func() (bool, error) {
		body, err = cs.CoreV1().Pods("default").GetLogs("web", &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
		return err == nil, err
	})
	if string(body) != "hello from behind the tunnel\n" {
		t.Errorf("logs %q", body)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Contains(served, "/containerLogs/default/web/app") {
		t.Errorf("the kubelet served %q", served)
	}
	for _, a := range dialled {
		if a != nodeAddr {
			t.Errorf("the agent was asked to dial %s", a)
		}
	}
}

// hostIP is a non-loopback IPv4 address of this host.
func hostIP(t *testing.T) net.IP {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.To4()
		}
	}
	t.Skip("this host has no non-loopback IPv4 address")
	return nil
}
