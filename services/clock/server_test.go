package clock

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// fakeServer answers NTP requests on 127.0.0.1 with reply(request, time
// the request arrived); nil replies are not sent. It stops at cleanup.
func fakeServer(t *testing.T, reply func(req packet, rx time.Time) []byte) string {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { conn.Close(); <-done })
	go func() {
		defer close(done)
		buf := make([]byte, 1500)
		for {
			n, from, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			rx := time.Now()
			req, err := parsePacket(buf[:n])
			if err != nil {
				continue
			}
			if out := reply(req, rx); out != nil {
				conn.WriteToUDP(out, from)
			}
		}
	}()
	return conn.LocalAddr().String()
}

// serverReply is a good reply to req from a server whose clock is ahead
// of ours by skew.
func serverReply(req packet, rx time.Time, skew time.Duration) packet {
	return packet{
		version: ntpVersion, mode: modeServer, stratum: 2, refID: [4]byte{127, 0, 0, 1},
		ref: toNTP(rx.Add(skew - time.Minute)), origin: req.transmit,
		receive: toNTP(rx.Add(skew)), transmit: toNTP(time.Now().Add(skew)),
	}
}

// silentServer is a bound UDP port on 127.0.0.1 that never answers.
func silentServer(t *testing.T) string {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn.LocalAddr().String()
}

// startChronyd runs a real chronyd serving the host's time (stratum 8,
// from its local reference) on a 127.0.0.1 port. It never touches the
// system clock (-x) and is stopped at cleanup.
func startChronyd(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("chronyd"); err != nil {
		t.Fatal("chronyd is needed: apt-get install chrony")
	}
	port := freeUDPPort(t)
	dir := t.TempDir()
	conf := filepath.Join(dir, "chrony.conf")
	text := "port " + strconv.Itoa(port) + "\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\n" +
		"cmdport 0\nbindcmdaddress /\npidfile " + filepath.Join(dir, "chronyd.pid") +
		"\ndriftfile " + filepath.Join(dir, "drift") + "\n"
	if err := os.WriteFile(conf, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cmd := exec.Command("chronyd", "-x", "-d", "-u", "root", "-f", conf)
	cmd.Stdout, cmd.Stderr = &log, &log
	// Killed with the test binary too, should it die before cleanup.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start chronyd: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("chronyd log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "chronyd.pid")); err == nil {
			return "127.0.0.1:" + strconv.Itoa(port)
		}
		if time.Now().After(deadline) {
			t.Fatalf("chronyd did not start within 10s:\n%s", log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freeUDPPort(t *testing.T) int {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).Port
}
