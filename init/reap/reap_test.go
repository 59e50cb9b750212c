package reap

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestParseStat(t *testing.T) {
	ppid, state, ok := parseStat([]byte("42 (a (weird) name) Z 1 42 42 0"))
	if !ok || ppid != 1 || state != 'Z' {
		t.Errorf("parseStat = %d %c %v", ppid, state, ok)
	}
	if _, _, ok := parseStat([]byte("garbage")); ok {
		t.Error("garbage parsed")
	}
}

func FuzzParseStat(f *testing.F) {
	f.Add([]byte("1 (init) S 0 1 1 0 -1"))
	f.Add([]byte(") )"))
	f.Fuzz(func(t *testing.T, b []byte) { parseStat(b) })
}

// TestReapsOrphanButNotOwned starts two children: one owned (started
// through the reaper and waited for by os/exec) and one not. Reaping must
// collect the stranger and leave the owned child's status to cmd.Wait.
func TestReapsOrphanButNotOwned(t *testing.T) {
	r := New()
	reaped := map[int]bool{}
	r.Reaped = func(pid int, _ unix.WaitStatus) { reaped[pid] = true }

	owned := exec.Command("/bin/true")
	if err := r.Start(owned); err != nil {
		t.Fatal(err)
	}
	stranger, err := os.StartProcess("/bin/true", []string{"true"}, &os.ProcAttr{})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !reaped[stranger.Pid] {
		if time.Now().After(deadline) {
			t.Fatalf("stranger %d was never reaped", stranger.Pid)
		}
		r.ReapOnce()
		time.Sleep(10 * time.Millisecond)
	}
	if reaped[owned.Process.Pid] {
		t.Fatal("owned child was reaped behind os/exec's back")
	}
	if err := owned.Wait(); err != nil {
		t.Fatalf("owned child's Wait: %v", err)
	}
	r.Release(owned.Process.Pid)
}
