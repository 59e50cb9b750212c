package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

func TestConnectCarriesBothWays(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		got, _ := io.ReadAll(c)
		c.Write(append([]byte("got:"), got...))
	}()
	var out bytes.Buffer
	if err := connect(context.Background(), l.Addr().String(), strings.NewReader("hello"), &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "got:hello" {
		t.Errorf("answer %q", out.String())
	}
	if err := connect(context.Background(), "127.0.0.1:1", strings.NewReader(""), &out); err == nil || !strings.Contains(err.Error(), "connect 127.0.0.1:1") {
		t.Errorf("refused connection: %v", err)
	}
}
