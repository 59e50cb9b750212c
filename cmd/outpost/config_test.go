package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestConfigCheckExplainsEachErrorWithItsLine(t *testing.T) {
	path := writeTemp(t, "user-data", "#cloud-config\nhostname: -bad\noutpost:\n  role: boss\n  colour: blue\n  node_ip: 1.2.3\n")
	var out bytes.Buffer
	err := configCheck(&out, []string{path})
	if err == nil || !strings.Contains(err.Error(), "3 error(s)") {
		t.Fatalf("want 3 errors, got %v\n%s", err, out.String())
	}
	for _, want := range []string{
		path + `:2: hostname: "-bad" is not a valid host name`,
		path + `:4: role: "boss" is not a role`,
		path + `:5: warning: outpost.colour: unknown key, ignored`,
		path + `:6: node_ip: "1.2.3" is not an IP address`,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestConfigCheckValidAndPartial(t *testing.T) {
	good := writeTemp(t, "user-data", "#cloud-config\noutpost:\n  role: agent\n  server: https://10.0.0.1:6443\n  token: K10abc::server:s3cret\n")
	var out bytes.Buffer
	if err := configCheck(&out, []string{good}); err != nil {
		t.Fatalf("valid file: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "ok") || strings.Contains(out.String(), "s3cret") {
		t.Errorf("output:\n%s", out.String())
	}
	part := writeTemp(t, "user-data", "#cloud-config\noutpost:\n  node_labels: {zone: a}\n")
	if err := configCheck(&out, []string{part}); err == nil {
		t.Errorf("a file without role should fail without --partial")
	}
	if err := configCheck(&out, []string{"--partial", part}); err != nil {
		t.Errorf("--partial: %v", err)
	}
	bad := writeTemp(t, "user-data", "role=server\n")
	out.Reset()
	if err := configCheck(&out, []string{bad}); err == nil || !strings.Contains(out.String(), bad+":1: the configuration must be a YAML mapping") || !strings.Contains(out.String(), "#cloud-config") {
		t.Errorf("not YAML: %v\n%s", err, out.String())
	}
}

func TestConfigShow(t *testing.T) {
	dir := t.TempDir()
	cmdline := writeTemp(t, "cmdline", "console=ttyS0 outpost.role=server outpost.token=K10abc::server:hunter2\n")
	state := writeTemp(t, "config.yaml", "hostname: shown\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	imds := "http://" + ln.Addr().String()
	ln.Close()
	var out bytes.Buffer
	err = configShow(context.Background(), &out, []string{"--cmdline", cmdline, "--sys", dir, "--dev", dir, "--state", state, "--imds", imds, "--mount-dir", dir})
	if err != nil {
		t.Fatalf("show: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"role", "server", "cmdline", "hostname", "shown", "state (" + state + ")", "********", "readable by every container"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "hunter2") {
		t.Errorf("token shown:\n%s", text)
	}
	bad := writeTemp(t, "cmdline", "outpost.role=boss\n")
	out.Reset()
	err = configShow(context.Background(), &out, []string{"--cmdline", bad, "--sys", dir, "--dev", dir, "--state", state, "--imds", imds})
	if err == nil || !strings.Contains(out.String(), `cmdline: role: "boss" is not a role`) {
		t.Errorf("invalid config: %v\n%s", err, out.String())
	}
}
