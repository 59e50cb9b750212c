package metadata

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/config"
)

// imds is an EC2 instance metadata server speaking IMDSv2 only: GETs
// without a valid session token get 401, as on EC2 with tokens required.
type imds struct {
	userData       string
	userDataStatus int // 0 means 200 with userData, else that status
	tokenStatus    int
	hits           atomic.Int32
}

const imdsSession = "AQAEAFakeSessionToken=="

func (m *imds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.hits.Add(1)
	if r.URL.Path == "/latest/api/token" {
		if r.Method != http.MethodPut || r.Header.Get("X-aws-ec2-metadata-token-ttl-seconds") == "" {
			http.Error(w, "bad token request", http.StatusBadRequest)
			return
		}
		if m.tokenStatus != 0 {
			w.WriteHeader(m.tokenStatus)
			return
		}
		w.Write([]byte(imdsSession))
		return
	}
	if r.Header.Get("X-aws-ec2-metadata-token") != imdsSession {
		http.Error(w, "", http.StatusUnauthorized)
		return
	}
	switch r.URL.Path {
	case "/latest/meta-data/instance-id":
		w.Write([]byte("i-0abc123def456"))
	case "/latest/meta-data/local-hostname":
		w.Write([]byte("ip-10-1-2-3.eu-west-1.compute.internal"))
	case "/latest/meta-data/local-ipv4":
		w.Write([]byte("10.1.2.3"))
	case "/latest/user-data":
		if m.userDataStatus != 0 {
			w.WriteHeader(m.userDataStatus)
			return
		}
		w.Write([]byte(m.userData))
	default:
		http.NotFound(w, r)
	}
}

func ec2Source(t *testing.T, h http.Handler) (*EC2Source, *httptest.Server) {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &EC2Source{BaseURL: srv.URL, HTTP: NewHTTPClient(time.Second, 5*time.Second)}, srv
}

func TestEC2IMDSv2(t *testing.T) {
	m := &imds{userData: "#cloud-config\noutpost:\n  role: agent\n  server: https://10.1.0.1:6443\n  token_file: /var/lib/outpost/token\n"}
	src, srv := ec2Source(t, m)
	l, err := src.Fetch(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c := l.Config
	if c.InstanceID != "i-0abc123def456" || c.Hostname != "ip-10-1-2-3" || c.NodeIP != "10.1.2.3" {
		t.Errorf("meta-data: %+v", c)
	}
	if c.Role != config.RoleAgent || c.Server != "https://10.1.0.1:6443" || l.Origin != srv.URL {
		t.Errorf("user-data: %+v from %s", c, l.Origin)
	}
}

func TestEC2NoUserData(t *testing.T) {
	src, _ := ec2Source(t, &imds{userDataStatus: http.StatusNotFound})
	l, err := src.Fetch(context.Background())
	if err != nil || l.Config.InstanceID != "i-0abc123def456" || l.Config.Role != "" {
		t.Errorf("404 user-data means none: %+v %v", l, err)
	}
}

func TestEC2Errors(t *testing.T) {
	cases := map[string]*imds{
		"user-data: GET":  {userDataStatus: http.StatusInternalServerError},
		"session token":   {tokenStatus: http.StatusInternalServerError},
		"user-data: line": {userData: "#cloud-config\noutpost: [\n"},
	}
	for want, m := range cases {
		src, _ := ec2Source(t, m)
		l, err := src.Fetch(context.Background())
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error with %q, got %+v %v", want, l, err)
		}
	}
}

func TestEC2AbsentIsNotAnError(t *testing.T) {
	src, _ := ec2Source(t, &imds{tokenStatus: http.StatusNotFound})
	if l, err := src.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("token 404: %+v %v", l, err)
	}
	// Nothing listens: connection refused means no IMDS on this network.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	closed := &EC2Source{BaseURL: "http://" + addr, HTTP: NewHTTPClient(time.Second, 5*time.Second)}
	if l, err := closed.Fetch(context.Background()); l != nil || err != nil {
		t.Errorf("closed port: %+v %v", l, err)
	}
}

func TestEC2HangIsBounded(t *testing.T) {
	srv := hangingServer(t)
	src := &EC2Source{BaseURL: srv.URL, HTTP: NewHTTPClient(time.Second, 400*time.Millisecond)}
	start := time.Now()
	l, err := src.Fetch(context.Background())
	if err == nil || l != nil {
		t.Fatalf("a server that accepts and never answers is an error, got %+v %v", l, err)
	}
	if !strings.Contains(err.Error(), "session token") || time.Since(start) > 5*time.Second {
		t.Errorf("error %v after %v", err, time.Since(start))
	}
}
