package metadata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/config/configtest"

	"github.com/outpost-os/outpost/services/config"
)

func TestReadNoCloudFull(t *testing.T) {
	l, err := ReadNoCloud(os.DirFS("testdata/nocloud/full"))
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.Hostname != "shop-12-node-1" {
		t.Errorf("hostname %q: user-data wins over meta-data local-hostname", c.Hostname)
	}
	if c.InstanceID != "iid-shop12-node1" || c.Role != config.RoleServer || !c.ClusterInit || c.NodeLabels["site"] != "shop-12" {
		t.Errorf("config: %+v", c)
	}
	if len(c.Network.Interfaces) != 2 {
		t.Errorf("network-config not applied: %+v", c.Network)
	}
}

func TestReadNoCloudMinimal(t *testing.T) {
	l, err := ReadNoCloud(os.DirFS("testdata/nocloud/minimal"))
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.Hostname != "minimal-host" || l.Config.InstanceID != "iid-minimal" {
		t.Errorf("JSON meta-data alone: %+v", l.Config)
	}
	if _, set := l.Keys["role"]; set {
		t.Errorf("role set without user-data")
	}
	empty, err := ReadNoCloud(os.DirFS(t.TempDir()))
	if err != nil || !empty.Empty() || !configtest.HasWarning(empty, "none of meta-data") {
		t.Errorf("empty seed: %+v %v", empty, err)
	}
}

func TestReadNoCloudBadUserData(t *testing.T) {
	_, err := ReadNoCloud(os.DirFS("testdata/nocloud/bad"))
	es := configtest.FieldErrors(t, err)
	if len(es) != 1 || es[0].Source != "nocloud user-data" || es[0].Line != 4 {
		t.Errorf("errors: %v", es)
	}
	if !strings.Contains(err.Error(), "nocloud user-data: line 4:") {
		t.Errorf("message: %v", err)
	}
}

// seedServer serves testdata/nocloud/full under /seed/.
func seedServer(t *testing.T, hits *atomic.Int32) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.StripPrefix("/seed/", http.FileServer(http.Dir("testdata/nocloud/full"))))
	t.Cleanup(srv.Close)
	if hits != nil {
		inner := srv.Config.Handler
		srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			inner.ServeHTTP(w, r)
		})
	}
	return srv
}

func TestFetchNoCloudSeed(t *testing.T) {
	srv := seedServer(t, nil)
	client := NewHTTPClient(time.Second, 5*time.Second)
	l, err := FetchNoCloudSeed(context.Background(), client, &NoCloudSeed{URL: srv.URL + "/seed", InstanceID: "iid-cmdline"})
	if err != nil {
		t.Fatal(err)
	}
	if l.Config.Hostname != "shop-12-node-1" || l.Config.InstanceID != "iid-cmdline" || l.Origin != srv.URL+"/seed/" {
		t.Errorf("seed: %+v (origin %s)", l.Config, l.Origin)
	}
}

func TestFetchNoCloudSeedErrors(t *testing.T) {
	client := NewHTTPClient(time.Second, 5*time.Second)
	notFound := httptest.NewServer(http.NotFoundHandler())
	defer notFound.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	cases := map[string]string{
		notFound.URL + "/": "neither meta-data nor user-data",
		broken.URL + "/":   "500 Internal Server Error",
		"file:///seed/":    "only http:// and https://",
	}
	for url, want := range cases {
		_, err := FetchNoCloudSeed(context.Background(), client, &NoCloudSeed{URL: url})
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: want %q, got %v", url, want, err)
		}
	}
}

// hangingServer accepts requests and never answers until the client gives up.
func hangingServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestNoCloudSeedURLHangIsBounded(t *testing.T) {
	srv := hangingServer(t)
	dir := t.TempDir()
	cmdline := filepath.Join(dir, "cmdline")
	writeFile(t, cmdline, []byte("console=ttyS0 ds=nocloud;s="+srv.URL+"/\n"))
	src := &NoCloudSource{Cmdline: cmdline, SysRoot: dir, DevRoot: dir, MountDir: dir, HTTP: NewHTTPClient(time.Second, 30*time.Second)}
	if !src.NeedsNetwork() {
		t.Errorf("a seed URL needs the network")
	}
	start := time.Now()
	res, err := Load(context.Background(), Options{Sources: []Source{src}, Timeout: 300 * time.Millisecond})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "nocloud: gave up after 300ms") {
		t.Fatalf("want a bounded seed URL error, got %v", err)
	}
	if took > 5*time.Second {
		t.Errorf("Load took %v with a 300ms source timeout", took)
	}
	if res.Sources[0].Err == nil {
		t.Errorf("status has no error: %+v", res.Sources[0])
	}
}
