package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestHandler(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	host, _ := os.Hostname()
	for path, want := range map[string]string{"/": Greeting + ": " + host + "\n", "/healthz": "ok\n"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(body) != want {
			t.Errorf("%s: %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}
	resp, err := http.Get(srv.URL + "/nothing")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Errorf("/nothing: %d", resp.StatusCode)
	}
}

func TestServeStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, "127.0.0.1:0") }()
	cancel()
	if err := <-done; err != nil && !strings.Contains(err.Error(), "closed") {
		t.Errorf("serve = %v", err)
	}
}

func TestFetchPrintsTheAnswerAndFailsOnErrors(t *testing.T) {
	srv := httptest.NewServer(handler())
	defer srv.Close()
	var out strings.Builder
	if err := fetch(srv.URL+"/healthz", &out); err != nil || out.String() != "ok\n" {
		t.Errorf("fetch /healthz: %q %v", out.String(), err)
	}
	if err := fetch(srv.URL+"/nothing", io.Discard); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("fetch /nothing: %v", err)
	}
}
