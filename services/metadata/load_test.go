package metadata

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/volume/volumetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// closedURL is an http URL where nothing listens.
func closedURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

func TestLoadMergesEverySource(t *testing.T) {
	sysRoot, devRoot := volumetest.BlockTree(t, map[string]func(string){
		"sr0": func(p string) {
			volumetest.MakeISO(t, p, "cidata", map[string][]byte{
				"meta-data": []byte("instance-id: iid-nocloud\nlocal-hostname: from-meta-data\n"),
				"user-data": []byte("#cloud-config\noutpost:\n  server: https://10.9.9.9:6443\n  node_labels: {zone: nocloud, disk: ssd}\n"),
			})
		},
	})
	writeFile(t, filepath.Join(sysRoot, "firmware/qemu_fw_cfg/by_name/opt/outpost/config/raw"),
		[]byte("token_file: /var/lib/outpost/token\nhostname: from-fwcfg\nnode_labels: {zone: fw}\n"))
	const urlBody = "hostname: from-config-url\nnode_labels: {tier: url}\n"
	urlSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/config.yaml" {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(urlBody))
	}))
	defer urlSrv.Close()
	_, imdsSrv := ec2Source(t, &imds{userDataStatus: http.StatusNotFound})
	dir := t.TempDir()
	cmdline := filepath.Join(dir, "cmdline")
	writeFile(t, cmdline, []byte("console=ttyS0 outpost.role=agent outpost.config_url="+urlSrv.URL+"/config.yaml outpost.config_sha256="+sha256Hex(urlBody)+"\n"))
	state := filepath.Join(dir, "state.yaml")
	writeFile(t, state, []byte("role: server\nserver: https://state:6443\nnode_labels: {zone: state, rack: r1}\nmodules: [wireguard]\n"))

	res, err := Load(context.Background(), Options{Logger: quiet, Paths: Paths{
		Cmdline: cmdline, SysRoot: sysRoot, DevRoot: devRoot, StateFile: state, IMDSURL: imdsSrv.URL, MountDir: t.TempDir(),
	}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	e := res.Config
	want := []struct{ key, value, source string }{
		{"role", string(e.Config.Role), config.SourceCmdline},
		{"hostname", e.Config.Hostname, config.SourceConfigURL + " (" + urlSrv.URL + "/config.yaml)"},
		{"token_file", e.Config.TokenFile, config.SourceFwCfg + " (" + FwCfgName + ")"},
		{"server", e.Config.Server, config.SourceNoCloud + " (" + filepath.Join(devRoot, "sr0") + ")"},
		{"instance_id", e.Config.InstanceID, config.SourceNoCloud + " (" + filepath.Join(devRoot, "sr0") + ")"},
		{"node_ip", e.Config.NodeIP, config.SourceEC2 + " (" + imdsSrv.URL + ")"},
		{"node_labels.tier", e.Config.NodeLabels["tier"], config.SourceConfigURL + " (" + urlSrv.URL + "/config.yaml)"},
		{"node_labels.zone", e.Config.NodeLabels["zone"], config.SourceFwCfg + " (" + FwCfgName + ")"},
		{"node_labels.disk", e.Config.NodeLabels["disk"], config.SourceNoCloud + " (" + filepath.Join(devRoot, "sr0") + ")"},
		{"node_labels.rack", e.Config.NodeLabels["rack"], config.SourceState + " (" + state + ")"},
		{"modules", strings.Join(e.Config.Modules, ","), config.SourceState + " (" + state + ")"},
	}
	values := map[string]string{"role": "agent", "hostname": "from-config-url", "token_file": "/var/lib/outpost/token",
		"server": "https://10.9.9.9:6443", "instance_id": "iid-nocloud", "node_ip": "10.1.2.3", "node_labels.tier": "url",
		"node_labels.zone": "fw", "node_labels.disk": "ssd", "node_labels.rack": "r1", "modules": "wireguard"}
	for _, w := range want {
		if w.value != values[w.key] {
			t.Errorf("%s = %q, want %q", w.key, w.value, values[w.key])
		}
		if got := e.Source(w.key); got != w.source {
			t.Errorf("source of %s = %q, want %q", w.key, got, w.source)
		}
	}
	found := 0
	for _, s := range res.Sources {
		if s.Found {
			found++
		}
		if s.Err != nil {
			t.Errorf("%s: %v", s.Source, s.Err)
		}
	}
	if found != 6 || len(res.Sources) != 7 {
		t.Errorf("want 6 of 7 sources found (no config drive): %+v", res.Sources)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	cmdline := filepath.Join(dir, "cmdline")
	writeFile(t, cmdline, []byte("outpost.role=boss\n"))
	writeFile(t, filepath.Join(dir, "sys/firmware/qemu_fw_cfg/by_name/opt/outpost/config/raw"), []byte("#cloud-config\noutpost:\n  modules: wireguard\n"))
	state := filepath.Join(dir, "state.yaml")
	writeFile(t, state, []byte("hostname: ok\n\nnode_ip: 999.1.1.1\n"))
	res, err := Load(context.Background(), Options{Logger: quiet, Paths: Paths{
		Cmdline: cmdline, SysRoot: filepath.Join(dir, "sys"), DevRoot: filepath.Join(dir, "dev"), StateFile: state, IMDSURL: closedURL(t),
	}})
	if err == nil {
		t.Fatal("want an error")
	}
	msg := err.Error()
	for _, want := range []string{
		"fw_cfg (opt/outpost/config): line 3: modules: the string `wireguard` cannot be a list",
		`cmdline: role: "boss" is not a role`,
		"state (" + state + `): line 3: node_ip: "999.1.1.1" is not an IP address`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if res == nil || res.Config == nil || res.Config.Config.Hostname != "ok" || len(res.Invalid) != 2 {
		t.Errorf("result: %+v", res)
	}
}

func TestLoadNothingFound(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(context.Background(), Options{Logger: quiet, Paths: Paths{
		Cmdline: filepath.Join(dir, "none"), SysRoot: dir, DevRoot: dir, StateFile: filepath.Join(dir, "none"), IMDSURL: closedURL(t),
	}})
	if !errors.Is(err, ErrNoConfig) || !strings.Contains(err.Error(), "cmdline, config_url, fw_cfg, nocloud, openstack, ec2, state") {
		t.Errorf("want ErrNoConfig naming the sources, got %v", err)
	}
	if !strings.Contains(err.Error(), "role: required") {
		t.Errorf("the missing role should be explained too: %v", err)
	}
}

func TestLoadOfflineSkipsNetworkSources(t *testing.T) {
	m := &imds{}
	_, imdsSrv := ec2Source(t, m)
	dir := t.TempDir()
	cmdline := filepath.Join(dir, "cmdline")
	writeFile(t, cmdline, []byte("outpost.role=server ds=nocloud;s="+imdsSrv.URL+"/seed/ outpost.config_url="+imdsSrv.URL+"/c\n"))
	res, err := Load(context.Background(), Options{Logger: quiet, Offline: true, Paths: Paths{
		Cmdline: cmdline, SysRoot: dir, DevRoot: dir, StateFile: filepath.Join(dir, "none"), IMDSURL: imdsSrv.URL,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if n := m.hits.Load(); n != 0 {
		t.Errorf("offline Load made %d requests", n)
	}
	skipped := map[string]bool{}
	for _, s := range res.Sources {
		if s.Skipped {
			skipped[s.Source] = true
		}
	}
	if !skipped[config.SourceEC2] || !skipped[config.SourceNoCloud] || !skipped[config.SourceConfigURL] || len(skipped) != 3 {
		t.Errorf("skipped: %v", skipped)
	}
}

type panicSource struct{}

func (panicSource) Name() string { return "broken" }
func (panicSource) Fetch(context.Context) (*config.Layer, error) {
	var m map[string]int
	m["x"]++ // a bug in a decoder must not reach PID 1
	return nil, nil
}

func TestLoadRecoversFromPanic(t *testing.T) {
	_, err := Load(context.Background(), Options{Logger: quiet, Sources: []Source{panicSource{}}})
	if err == nil || !strings.Contains(err.Error(), "broken: internal error") {
		t.Errorf("want the panic as an error, got %v", err)
	}
}

func TestPollUntilValidStateFile(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "config.yaml")
	opts := Options{Logger: quiet, Sources: []Source{&StateSource{Path: state}}}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reports := 0
	res, err := Poll(ctx, opts, 10*time.Millisecond, func(_ *Result, err error) {
		reports++
		switch reports {
		case 1: // the user fixes the node by writing the file, first wrongly
			writeFile(t, state, []byte("role: nope\n"))
		case 2:
			if !strings.Contains(err.Error(), `"nope" is not a role`) {
				t.Errorf("second report: %v", err)
			}
			writeFile(t, state, []byte("role: server\n"))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if reports != 2 || res.Config.Config.Role != config.RoleServer {
		t.Errorf("reports %d, role %q", reports, res.Config.Config.Role)
	}
	ctx2, cancel2 := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel2()
	if _, err := Poll(ctx2, Options{Logger: quiet, Sources: []Source{&StateSource{Path: filepath.Join(dir, "none")}}}, 5*time.Millisecond, nil); err == nil {
		t.Errorf("Poll should give up when its context ends")
	}
}

// stuckSource ignores its context, as a read from a broken device can.
type stuckSource struct{ release chan struct{} }

func (stuckSource) Name() string { return "stuck" }
func (s stuckSource) Fetch(context.Context) (*config.Layer, error) {
	<-s.release
	return nil, nil
}

func TestLoadAbandonsAStuckSource(t *testing.T) {
	stuck := stuckSource{release: make(chan struct{})}
	defer close(stuck.release)
	state := filepath.Join(t.TempDir(), "config.yaml")
	writeFile(t, state, []byte("role: server\n"))
	start := time.Now()
	res, err := Load(context.Background(), Options{Logger: quiet, Timeout: 10 * time.Millisecond,
		Sources: []Source{stuck, &StateSource{Path: state}}})
	if err == nil || !strings.Contains(err.Error(), "stuck: did not finish") {
		t.Fatalf("want the stuck source reported, got %v", err)
	}
	if res.Config.Config.Role != config.RoleServer {
		t.Errorf("the other sources still count: %+v", res.Config.Config)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Load took %v", took)
	}
}
