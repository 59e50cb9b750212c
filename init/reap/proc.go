package reap

import (
	"bytes"
	"os"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// siginfoPid reads si_pid of a SIGCHLD siginfo (after signo, errno, code
// and padding on 64-bit Linux).
func siginfoPid(info *unix.Siginfo) int {
	b := (*[128]byte)(unsafe.Pointer(info))
	return int(*(*int32)(unsafe.Pointer(&b[16])))
}

// unownedZombie scans /proc for a zombie child of this process that is not
// owned.
func (r *Reaper) unownedZombie() (int, error) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	self := os.Getpid()
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || r.owned[pid] {
			continue
		}
		if ppid, state, ok := procStat(pid); ok && ppid == self && state == 'Z' {
			return pid, nil
		}
	}
	return 0, nil
}

// procStat reads the parent pid and state from /proc/PID/stat.
func procStat(pid int) (ppid int, state byte, ok bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, 0, false
	}
	return parseStat(data)
}

// parseStat parses "pid (comm) S ppid ..."; comm may hold spaces and
// parentheses, so the fields start after the last ')'.
func parseStat(data []byte) (ppid int, state byte, ok bool) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 || i+2 >= len(data) {
		return 0, 0, false
	}
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 2 || len(fields[0]) != 1 {
		return 0, 0, false
	}
	ppid, err := strconv.Atoi(string(fields[1]))
	if err != nil {
		return 0, 0, false
	}
	return ppid, fields[0][0], true
}
