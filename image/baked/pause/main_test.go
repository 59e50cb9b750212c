package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs main in a child when asked: the test starts this test
// binary as the pause process, which first starts a child of its own that
// exits at once and says its pid.
func TestMain(m *testing.M) {
	if os.Getenv("PAUSE_TEST_MAIN") == "1" {
		c := exec.Command("/proc/self/exe", "-test.run=^$")
		c.Env = []string{}
		if err := c.Start(); err != nil {
			os.Exit(3)
		}
		fmt.Println(c.Process.Pid)
		main()
		return
	}
	os.Exit(m.Run())
}

func TestReapsAndExitsOnSignals(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "PAUSE_TEST_MAIN=1")
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		child, err := strconv.Atoi(strings.TrimSpace(line))
		if err != nil {
			cmd.Process.Kill()
			t.Fatalf("pause's child pid: %q", line)
		}
		if !gone(child) {
			t.Errorf("pause did not reap its child %d", child)
		}
		cmd.Process.Signal(sig)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%v: pause exited with %v, want 0", sig, err)
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("%v: pause did not exit", sig)
		}
	}
}

// gone waits until a process is no more (not even a zombie).
func gone(pid int) bool {
	for range 200 {
		if _, err := os.Stat("/proc/" + strconv.Itoa(pid)); os.IsNotExist(err) {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}
