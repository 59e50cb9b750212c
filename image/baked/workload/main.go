// Command workload is the test workload of outpost.local/workload: an
// HTTP server on :8080 that answers / with a fixed greeting and the pod's
// hostname, and /healthz with ok. Started with -get URL it is a client
// instead: it prints what URL answers (Go's own resolver and HTTP client,
// which work in a static binary where busybox's wget cannot resolve
// names). Its image also holds busybox, so tests can kubectl exec into it
// (sh, nslookup, ...).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Greeting starts every answer to /.
const Greeting = "hello from the outpost workload"

func main() {
	addr := flag.String("listen", ":8080", "address to serve HTTP on")
	get := flag.String("get", "", "fetch this URL, print the answer and exit")
	flag.Parse()
	if *get != "" {
		if err := fetch(*get, os.Stdout); err != nil {
			log.Fatal(err)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, *addr); err != nil {
		log.Fatal(err)
	}
}

func serve(ctx context.Context, addr string) error {
	srv := &http.Server{Addr: addr, Handler: handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Printf("workload: serving on %s", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		host, _ := os.Hostname()
		fmt.Fprintf(w, "%s: %s\n", Greeting, host)
	})
	return mux
}

// fetch prints the body of url, failing on anything but 200.
func fetch(url string, out io.Writer) error {
	c := &http.Client{Timeout: 20 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	_, err = io.Copy(out, resp.Body)
	return err
}
