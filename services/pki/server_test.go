package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

type wantLeaf struct {
	pair  func(*ServerCerts) Pair
	ca    func(*ServerCerts) *CA
	cn    string
	o     []string
	usage []x509.ExtKeyUsage
	sans  string // "serving", "etcd" or ""
}

var wantLeaves = map[string]wantLeaf{
	"client-admin":            {func(s *ServerCerts) Pair { return s.Admin }, clientCA, "system:admin", []string{"system:masters"}, clientUsage, ""},
	"client-supervisor":       {func(s *ServerCerts) Pair { return s.Supervisor }, clientCA, "system:outpost-supervisor", []string{"system:masters"}, clientUsage, ""},
	"client-controller":       {func(s *ServerCerts) Pair { return s.ControllerManager }, clientCA, "system:kube-controller-manager", nil, clientUsage, ""},
	"client-scheduler":        {func(s *ServerCerts) Pair { return s.Scheduler }, clientCA, "system:kube-scheduler", nil, clientUsage, ""},
	"client-kube-apiserver":   {func(s *ServerCerts) Pair { return s.APIServerKubeletClient }, clientCA, "system:apiserver", []string{"system:masters"}, clientUsage, ""},
	"client-kube-proxy":       {func(s *ServerCerts) Pair { return s.KubeProxy }, clientCA, "system:kube-proxy", nil, clientUsage, ""},
	"client-auth-proxy":       {func(s *ServerCerts) Pair { return s.AuthProxy }, func(s *ServerCerts) *CA { return s.RequestHeaderCA }, "system:auth-proxy", nil, clientUsage, ""},
	"serving-kube-apiserver":  {func(s *ServerCerts) Pair { return s.ServingAPIServer }, serverCA, "kube-apiserver", nil, serverUsage, "serving"},
	"serving-supervisor":      {func(s *ServerCerts) Pair { return s.ServingSupervisor }, serverCA, "outpost-supervisor", nil, serverUsage, "serving"},
	"etcd/server-client":      {func(s *ServerCerts) Pair { return s.EtcdServerClient }, etcdCA, "etcd-server", nil, bothUsage, "etcd"},
	"etcd/client":             {func(s *ServerCerts) Pair { return s.EtcdClient }, etcdCA, "etcd-client", nil, clientUsage, ""},
	"etcd/peer-server-client": {func(s *ServerCerts) Pair { return s.EtcdPeerServerClient }, func(s *ServerCerts) *CA { return s.EtcdPeerCA }, "etcd-peer", nil, bothUsage, "etcd"},
}

var (
	clientUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	serverUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	bothUsage   = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
)

func clientCA(s *ServerCerts) *CA { return s.ClientCA }
func serverCA(s *ServerCerts) *CA { return s.ServerCA }
func etcdCA(s *ServerCerts) *CA   { return s.EtcdServerCA }

var (
	servingDNS = []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost", "edge-1", "outpost.example.com"}
	servingIPs = []string{"127.0.0.1", "10.43.0.1", "192.168.1.10", "192.168.1.11", "10.0.0.5"}
	etcdDNS    = []string{"localhost", "edge-1"}
	etcdIPs    = []string{"127.0.0.1", "192.168.1.10", "192.168.1.11"}
)

func TestEnsureServerCreatesEveryFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "server", "tls")
	sc := mustEnsure(t, dir, testOpts(t0, nil))

	if !filepath.IsAbs(sc.Dir) {
		t.Errorf("Dir %q is not absolute", sc.Dir)
	}
	checkMode(t, dir, 0o700|os.ModeDir)
	checkMode(t, filepath.Join(dir, "etcd"), 0o700|os.ModeDir)
	for name, ca := range map[string]*CA{"client-ca": sc.ClientCA, "server-ca": sc.ServerCA,
		"request-header-ca": sc.RequestHeaderCA, "etcd/server-ca": sc.EtcdServerCA, "etcd/peer-ca": sc.EtcdPeerCA,
		"kubelet-ca": sc.KubeletCA} {
		checkCA(t, dir, name, ca)
	}
	for name, w := range wantLeaves {
		checkLeaf(t, dir, name, sc, w)
	}
	checkMode(t, sc.ServiceKey, 0o600)
	data, _ := os.ReadFile(sc.ServiceKey)
	key, err := parseKey(data)
	if rk, ok := key.(*rsa.PrivateKey); err != nil || !ok || rk.N.BitLen() != 2048 {
		t.Errorf("service.key: want RSA 2048, got %T (err %v)", key, err)
	}
	if n := len(sc.Issued); n != 6+len(wantLeaves)+1 {
		t.Errorf("Issued has %d entries, want %d: %v", n, 6+len(wantLeaves)+1, sc.Issued)
	}
	if sc.KubeletCA.Cert.Equal(sc.ServerCA.Cert) {
		t.Error("kubelet-ca is server-ca")
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (os.ModePerm | os.ModeDir); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

func checkCA(t *testing.T, dir, name string, ca *CA) {
	t.Helper()
	if ca.CertFile != filepath.Join(dir, name+".crt") || ca.KeyFile != filepath.Join(dir, name+".key") {
		t.Errorf("CA %s paths %s, %s", name, ca.CertFile, ca.KeyFile)
	}
	checkMode(t, ca.CertFile, 0o644)
	checkMode(t, ca.KeyFile, 0o600)
	c := loadChain(t, ca.CertFile)
	if !strings.HasPrefix(c[0].Subject.CommonName, "outpost-"+strings.ReplaceAll(name, "/", "-")+"@") {
		t.Errorf("CA %s: CN %q", name, c[0].Subject.CommonName)
	}
	if len(c) != 1 || !c[0].IsCA || c[0].KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA %s: not a single CA certificate", name)
	}
	if got := c[0].NotAfter.Sub(t0); got < 10*365*24*time.Hour || got > 10*366*24*time.Hour {
		t.Errorf("CA %s valid for %v, want 10 years", name, got)
	}
	if pk, ok := c[0].PublicKey.(*ecdsa.PublicKey); !ok || pk.Curve != elliptic.P256() {
		t.Errorf("CA %s: key is not ECDSA P-256", name)
	}
	if err := c[0].CheckSignatureFrom(c[0]); err != nil {
		t.Errorf("CA %s not self-signed: %v", name, err)
	}
}

func checkLeaf(t *testing.T, dir, name string, sc *ServerCerts, w wantLeaf) {
	t.Helper()
	p, ca := w.pair(sc), w.ca(sc)
	if p.Cert != filepath.Join(dir, name+".crt") || p.Key != filepath.Join(dir, name+".key") {
		t.Errorf("%s: paths %+v", name, p)
	}
	checkMode(t, p.Cert, 0o644)
	checkMode(t, p.Key, 0o600)
	chain := loadChain(t, p.Cert)
	if len(chain) != 2 || !chain[1].Equal(ca.Cert) {
		t.Errorf("%s: .crt must hold the leaf followed by %s", name, ca.Name)
	}
	leaf := chain[0]
	if leaf.Subject.CommonName != w.cn || !slices.Equal(leaf.Subject.Organization, w.o) {
		t.Errorf("%s: subject CN=%q O=%v, want CN=%q O=%v", name, leaf.Subject.CommonName, leaf.Subject.Organization, w.cn, w.o)
	}
	if !slices.Equal(leaf.ExtKeyUsage, w.usage) {
		t.Errorf("%s: ext key usage %v, want %v", name, leaf.ExtKeyUsage, w.usage)
	}
	if got := leaf.NotAfter.Sub(t0); got != LeafValidity {
		t.Errorf("%s: valid until now+%v, want 1 year", name, got)
	}
	if pk, ok := leaf.PublicKey.(*ecdsa.PublicKey); !ok || pk.Curve != elliptic.P256() {
		t.Errorf("%s: key is not ECDSA P-256", name)
	}
	keyData, _ := os.ReadFile(p.Key)
	if key, err := parseKey(keyData); err != nil || !keyMatches(leaf, key) {
		t.Errorf("%s: key file does not match certificate (%v)", name, err)
	}
	verifyChain(t, leaf, ca, t0, w.usage[0])
	dns, ips := []string(nil), []string(nil)
	switch w.sans {
	case "serving":
		dns, ips = servingDNS, servingIPs
	case "etcd":
		dns, ips = etcdDNS, etcdIPs
	}
	if !slices.Equal(leaf.DNSNames, dns) || !slices.Equal(ipStrings(leaf.IPAddresses), ips) {
		t.Errorf("%s: SANs %v %v, want %v %v", name, leaf.DNSNames, ipStrings(leaf.IPAddresses), dns, ips)
	}
}

func TestEnsureServerReusesEverything(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir, testOpts(t0, nil))
	before := snapshot(t, dir)
	sc := mustEnsure(t, dir, testOpts(t0.Add(100*24*time.Hour), nil))
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Errorf("second call changed %v", c)
	}
	if len(sc.Issued) != 0 {
		t.Errorf("second call issued %v", sc.Issued)
	}
	if string(sc.ServerCA.CertPEM) != string(before[sc.ServerCA.CertFile]) {
		t.Error("CertPEM is not the file's bytes")
	}
}

func TestEnsureServerRenewsUnder120Days(t *testing.T) {
	dir := t.TempDir()
	mustEnsure(t, dir, testOpts(t0, nil))
	before := snapshot(t, dir)

	// 365-244 = 121 days left: nothing to do yet.
	mustEnsure(t, dir, testOpts(t0.Add(244*24*time.Hour), nil))
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Fatalf("renewed with 121 days left: %v", c)
	}
	later := t0.Add(246 * 24 * time.Hour) // 119 days left
	sc := mustEnsure(t, dir, testOpts(later, nil))
	after := snapshot(t, dir)
	for name, w := range wantLeaves {
		p := w.pair(sc)
		if string(before[p.Cert]) == string(after[p.Cert]) {
			t.Errorf("%s not renewed with 119 days left", name)
		}
		if string(before[p.Key]) != string(after[p.Key]) {
			t.Errorf("%s: key changed on renewal, want it kept", name)
		}
		if leaf := loadChain(t, p.Cert)[0]; leaf.NotAfter != later.Add(LeafValidity) {
			t.Errorf("%s: renewed until %v", name, leaf.NotAfter)
		}
	}
	for _, ca := range []*CA{sc.ClientCA, sc.ServerCA, sc.RequestHeaderCA, sc.EtcdServerCA, sc.EtcdPeerCA} {
		if string(before[ca.CertFile]) != string(after[ca.CertFile]) || string(before[ca.KeyFile]) != string(after[ca.KeyFile]) {
			t.Errorf("CA %s changed on leaf renewal", ca.Name)
		}
	}
}

func TestEnsureServerRenewsWhenSANsChange(t *testing.T) {
	dir := t.TempDir()
	o := testOpts(t0, nil)
	mustEnsure(t, dir, o)
	before := snapshot(t, dir)
	o.SANs = append(o.SANs, "new.example.com")
	o.NodeIPs = []net.IP{net.ParseIP("192.168.1.20")}
	sc := mustEnsure(t, dir, o)
	got := changed(before, snapshot(t, dir))
	slices.Sort(got)
	want := []string{sc.ServingAPIServer.Cert, sc.ServingSupervisor.Cert, sc.EtcdServerClient.Cert, sc.EtcdPeerServerClient.Cert}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("changed files %v, want %v", got, want)
	}
	leaf := loadChain(t, sc.ServingAPIServer.Cert)[0]
	if !slices.Contains(leaf.DNSNames, "new.example.com") || !slices.Contains(ipStrings(leaf.IPAddresses), "192.168.1.20") ||
		slices.Contains(ipStrings(leaf.IPAddresses), "192.168.1.10") {
		t.Errorf("serving SANs not updated: %v %v", leaf.DNSNames, leaf.IPAddresses)
	}
}

func TestEnsureServerRenewsWhenCAChanged(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	// Replace client-ca with another CA, as an operator restoring or
	// providing their own CA would.
	other := mustEnsure(t, t.TempDir(), testOpts(t0, nil)).ClientCA
	for src, dst := range map[string]string{other.CertFile: sc.ClientCA.CertFile, other.KeyFile: sc.ClientCA.KeyFile} {
		data, _ := os.ReadFile(src)
		if err := WriteFileAtomic(dst, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, dir)
	sc = mustEnsure(t, dir, testOpts(t0, nil))
	got := changed(before, snapshot(t, dir))
	if len(got) != 6 {
		t.Errorf("changed %d files, want the 6 client-ca leaves: %v", len(got), got)
	}
	for name, w := range wantLeaves {
		if w.ca(sc) != sc.ClientCA {
			continue
		}
		leaf := loadChain(t, w.pair(sc).Cert)[0]
		verifyChain(t, leaf, sc.ClientCA, t0, x509.ExtKeyUsageClientAuth)
		if !strings.HasPrefix(name, "client-") {
			t.Errorf("unexpected %s", name)
		}
	}
}

func TestEnsureServerRefusesCorruptCA(t *testing.T) {
	for _, file := range []string{"server-ca.crt", "server-ca.key", "etcd/peer-ca.crt"} {
		t.Run(file, func(t *testing.T) {
			dir := t.TempDir()
			mustEnsure(t, dir, testOpts(t0, nil))
			path := filepath.Join(dir, file)
			garbage := []byte("-----BEGIN GARBAGE-----\nnot a CA\n")
			if err := os.WriteFile(path, garbage, 0o600); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, dir)
			_, err := EnsureServer(dir, testOpts(t0, nil))
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "backup") {
				t.Fatalf("want an error naming %s and what to do, got %v", path, err)
			}
			if c := changed(before, snapshot(t, dir)); len(c) != 0 {
				t.Errorf("files changed after the error: %v", c)
			}
		})
	}
}

func TestEnsureServerRefusesHalfCA(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	if err := os.Remove(sc.ClientCA.KeyFile); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, dir)
	_, err := EnsureServer(dir, testOpts(t0, nil))
	if err == nil || !strings.Contains(err.Error(), sc.ClientCA.KeyFile) {
		t.Fatalf("want an error naming the missing key, got %v", err)
	}
	if c := changed(before, snapshot(t, dir)); len(c) != 0 {
		t.Errorf("files changed after the error: %v", c)
	}
}

func TestEnsureServerRefusesCorruptServiceKey(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	if err := os.WriteFile(sc.ServiceKey, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureServer(dir, testOpts(t0, nil))
	if err == nil || !strings.Contains(err.Error(), sc.ServiceKey) {
		t.Fatalf("want an error naming %s, got %v", sc.ServiceKey, err)
	}
	if b, _ := os.ReadFile(sc.ServiceKey); string(b) != "junk" {
		t.Error("corrupt service key was overwritten")
	}
}

func TestEnsureServerMovesCorruptLeafAside(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	if err := os.WriteFile(sc.Admin.Cert, []byte("torn write"), 0o644); err != nil {
		t.Fatal(err)
	}
	keyBefore, _ := os.ReadFile(sc.Admin.Key)
	o := testOpts(t0, nil)
	o.Logger = newTextLogger(&log)
	sc = mustEnsure(t, dir, o)
	aside, _ := filepath.Glob(sc.Admin.Cert + ".corrupt-*")
	if len(aside) != 1 {
		t.Fatalf("corrupt file not kept aside: %v", aside)
	}
	if b, _ := os.ReadFile(aside[0]); string(b) != "torn write" {
		t.Errorf("aside file holds %q", b)
	}
	verifyChain(t, loadChain(t, sc.Admin.Cert)[0], sc.ClientCA, t0, x509.ExtKeyUsageClientAuth)
	if keyAfter, _ := os.ReadFile(sc.Admin.Key); string(keyAfter) != string(keyBefore) {
		t.Error("intact key was replaced")
	}
	if !strings.Contains(log.String(), sc.Admin.Cert) || !strings.Contains(log.String(), "corrupt") {
		t.Errorf("no warning naming the file: %s", log.String())
	}

	// A corrupt key: kept aside, and a new matching pair is issued.
	if err := os.WriteFile(sc.Scheduler.Key, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	sc = mustEnsure(t, dir, testOpts(t0, nil))
	if aside, _ := filepath.Glob(sc.Scheduler.Key + ".corrupt-*"); len(aside) != 1 {
		t.Errorf("corrupt key not kept aside: %v", aside)
	}
	keyData, _ := os.ReadFile(sc.Scheduler.Key)
	key, err := parseKey(keyData)
	if err != nil || !keyMatches(loadChain(t, sc.Scheduler.Cert)[0], key) {
		t.Errorf("no new matching pair after a corrupt key: %v", err)
	}
	checkMode(t, sc.Scheduler.Key, 0o600)
}

func TestEnsureServerUnwritableDir(t *testing.T) {
	root := t.TempDir()
	// A regular file where a directory must go: fails for root too,
	// unlike a permission bit.
	blocker := filepath.Join(root, "server")
	if err := os.WriteFile(blocker, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := EnsureServer(filepath.Join(blocker, "tls"), testOpts(t0, nil))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(blocker, "tls")) {
		t.Fatalf("want an error naming the directory, got %v", err)
	}

	dir := filepath.Join(root, "tls2")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "etcd"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = EnsureServer(dir, testOpts(t0, nil))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "etcd")) {
		t.Fatalf("want an error naming %s, got %v", filepath.Join(dir, "etcd"), err)
	}
}

func TestEnsureServerTightensKeyModes(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	for _, k := range []string{sc.Admin.Key, sc.ServerCA.KeyFile, sc.ServiceKey} {
		if err := os.Chmod(k, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sc = mustEnsure(t, dir, testOpts(t0, nil))
	for _, k := range []string{sc.Admin.Key, sc.ServerCA.KeyFile, sc.ServiceKey} {
		checkMode(t, k, 0o600)
	}
}

func TestEnsureServerBadOptions(t *testing.T) {
	for name, mod := range map[string]func(*ServerOptions){
		"empty node name": func(o *ServerOptions) { o.NodeName = "" },
		"bad node name":   func(o *ServerOptions) { o.NodeName = "node_1 x" },
		"bad tls-san":     func(o *ServerOptions) { o.SANs = []string{"not a name!"} },
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "tls")
			o := testOpts(t0, nil)
			mod(&o)
			if _, err := EnsureServer(dir, o); err == nil {
				t.Fatal("no error")
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("bad options still created %s", dir)
			}
		})
	}
}

func TestFirstIP(t *testing.T) {
	for cidr, want := range map[string]string{"10.43.0.0/16": "10.43.0.1", "10.43.7.9/16": "10.43.0.1", "fd00:43::/112": "fd00:43::1"} {
		_, n, _ := net.ParseCIDR(cidr)
		got, err := FirstIP(n)
		if err != nil || got.String() != want {
			t.Errorf("FirstIP(%s) = %v, %v; want %s", cidr, got, err, want)
		}
	}
	_, n, _ := net.ParseCIDR("10.0.0.1/32")
	if _, err := FirstIP(n); err == nil {
		t.Error("FirstIP of a /32 gave no error")
	}
}

// TestEnsureServerLogsOnlyReplacements proves that the first issue of each
// certificate stays below Info (it would crowd the console at first boot)
// while a replacement is logged at Info with its reason.
func TestEnsureServerLogsOnlyReplacements(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	o := testOpts(t0, &log)
	mustEnsure(t, dir, o)
	if strings.Contains(log.String(), "issuing certificate") {
		t.Fatalf("first issue logged at Info:\n%s", log.String())
	}
	o.SANs = append(o.SANs, "new.example.com")
	mustEnsure(t, dir, o)
	if n := strings.Count(log.String(), `msg="issuing certificate"`); n == 0 ||
		!strings.Contains(log.String(), `reason="subject, SANs or usage changed"`) {
		t.Fatalf("renewal not logged at Info with its reason (%d lines):\n%s", n, log.String())
	}
}

// TestEnsureServerFinishesInterruptedPair replays a power cut in the
// middle of writing a CA: the pending file and the new key are on disk,
// the certificate is not. The next start finishes the pair from the
// pending file, with the same CA.
func TestEnsureServerFinishesInterruptedPair(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	certPEM, _ := os.ReadFile(sc.ClientCA.CertFile)
	keyPEM, _ := os.ReadFile(sc.ClientCA.KeyFile)
	if err := os.WriteFile(sc.ClientCA.KeyFile+pendingSuffix, append(keyPEM, certPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(sc.ClientCA.CertFile); err != nil {
		t.Fatal(err)
	}
	again := mustEnsure(t, dir, testOpts(t0, nil))
	if !again.ClientCA.Cert.Equal(sc.ClientCA.Cert) {
		t.Error("the client CA changed after finishing its pair")
	}
	if _, err := os.Stat(sc.ClientCA.KeyFile + pendingSuffix); !os.IsNotExist(err) {
		t.Errorf("pending file left behind: %v", err)
	}
	if got, _ := os.ReadFile(sc.ClientCA.CertFile); !bytes.Equal(got, certPEM) {
		t.Error("certificate not restored from the pending file")
	}
}

func TestWritePairLeavesNoPending(t *testing.T) {
	dir := t.TempDir()
	sc := mustEnsure(t, dir, testOpts(t0, nil))
	pending, _ := filepath.Glob(filepath.Join(dir, "*", "*"+pendingSuffix))
	more, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*"+pendingSuffix))
	if len(pending)+len(more) != 0 || sc.ClientCA == nil {
		t.Errorf("pending files after a clean start: %v %v", pending, more)
	}
}
