package kmsg

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	for rec, want := range map[string]string{
		"6,339,5140900,-;NET: Registered protocol family 10\n":                 "[    5.140900] NET: Registered protocol family 10\n",
		"4,2,12,-,caller=T1;Linux version 6.1.0\n SUBSYSTEM=cpu\n DEVICE=+x\n": "[    0.000012] Linux version 6.1.0\n",
		"0,1,123456789012,c;panic\n":                                           "[123456.789012] panic\n",
	} {
		if got, ok := Format([]byte(rec)); !ok || got != want {
			t.Errorf("Format(%q) = %q, %v; want %q", rec, got, ok, want)
		}
	}
	for _, rec := range []string{"", "no header", "6,1;short", "6,1,x,-;bad time"} {
		if got, ok := Format([]byte(rec)); ok {
			t.Errorf("Format(%q) = %q, want not a record", rec, got)
		}
	}
}

// A file stands in for the device: each read of it returns what is left,
// here one record, then end of file, which ends the copy with an error.
func TestCopyWritesRecordsAsLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kmsg")
	os.WriteFile(path, []byte("6,1,1000000,-;hello\n"), 0o644)
	var out bytes.Buffer
	err := Copy(context.Background(), path, &out)
	if out.String() != "[    1.000000] hello\n" || err == nil {
		t.Errorf("Copy wrote %q, returned %v", out.String(), err)
	}
	if err := Copy(context.Background(), filepath.Join(t.TempDir(), "none"), &out); err == nil || !strings.Contains(err.Error(), "kernel log") {
		t.Errorf("a missing device: %v", err)
	}
}

func FuzzFormat(f *testing.F) {
	f.Add([]byte("6,339,5140900,-;NET: Registered\n SUBSYSTEM=net\n"))
	f.Fuzz(func(t *testing.T, rec []byte) {
		line, ok := Format(rec)
		if ok && (!strings.HasSuffix(line, "\n") || strings.Count(line, "\n") != 1) {
			t.Fatalf("Format(%q) = %q: not one line", rec, line)
		}
	})
}
