package console

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
)

func serve(t *testing.T, input string) (string, int) {
	t.Helper()
	var out bytes.Buffer
	code := Console{In: strings.NewReader(input), Out: &out, Self: "/bin/false"}.Serve(context.Background())
	return out.String(), code
}

func TestFramedReplies(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/f", []byte("line one\nline two"), 0o644)
	out, code := serve(t, "6 stat "+dir+"/f\n7 cat "+dir+"/f\n8 cat /nonexistent\nbogus\n9 exit 3\n10 cat "+dir+"/f\n")
	if code != 3 {
		t.Errorf("exit code = %d, want 3", code)
	}
	for _, want := range []string{"#6 mode 0644 size 17\n", "#7 line one\n", "#7 line two\n", "#7 END ok\n", "#8 END error:", "#0 END error: unknown command \"bogus\"", "#9 END ok\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "#10") {
		t.Error("command after exit ran")
	}
}

func TestGrepPrintsMatchingLines(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/a", []byte("one egress\ntwo\nthree egress\n"), 0o644)
	os.WriteFile(dir+"/b", []byte("egress four\n"), 0o644)
	out, _ := serve(t, "1 grep egress "+dir+"/a "+dir+"/b\n2 grep x /nonexistent\n")
	for _, want := range []string{"#1 one egress\n", "#1 three egress\n", "#1 egress four\n", "#1 END ok\n", "#2 END error:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "#1 two") {
		t.Errorf("a line without the word:\n%s", out)
	}
}

func TestPsListsSelf(t *testing.T) {
	out, _ := serve(t, "1 ps\n")
	self := "#1 " + strings.Fields(out[strings.Index(out, "pid ")+4:])[0]
	self = strings.TrimSuffix(self, ");")
	if !strings.Contains(out, self+" ") {
		t.Errorf("ps lacks own pid %q:\n%s", self, out)
	}
}

func TestUsageAndSignals(t *testing.T) {
	out, _ := serve(t, "1 kill 1\n2 kill 999999999 NOPE\n")
	if !strings.Contains(out, "#1 END error: usage: kill") || !strings.Contains(out, "unknown signal") {
		t.Errorf("output:\n%s", out)
	}
	if s, err := parseSignal("term"); err != nil || s != 15 {
		t.Errorf("term = %v, %v", s, err)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add("12 cat /proc/mounts")
	f.Add("   ")
	f.Fuzz(func(t *testing.T, s string) {
		id, _ := parseLine(s)
		if id == "" {
			t.Error("empty id")
		}
	})
}

func FuzzPsLine(f *testing.F) {
	f.Add("1", []byte("1 (init) S 0 1"))
	f.Add("2", []byte(")("))
	f.Fuzz(func(t *testing.T, pid string, b []byte) { psLine(pid, b) })
}

func TestSha256AndDf(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/secret", []byte("s3cret"), 0o600)
	out, _ := serve(t, "1 sha256 "+dir+"/secret\n2 df "+dir+"\n3 sha256 /nonexistent\n")
	// sha256 of "s3cret"
	if !strings.Contains(out, "#1 1ec1c26b50d5d3c58d9583181af8076655fe00756bf7285940ba3670f99fcba0\n") || strings.Contains(out, "s3cret") {
		t.Errorf("sha256:\n%s", out)
	}
	if !strings.Contains(out, "#2 size ") || !strings.Contains(out, "#3 END error:") {
		t.Errorf("df or a missing file:\n%s", out)
	}
}

func TestWriteIntoAnExistingFileOnly(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/setting", []byte("10\n"), 0o644)
	out, _ := serve(t, "1 write "+dir+"/setting 0 1\n2 write "+dir+"/new x\n")
	if got, _ := os.ReadFile(dir + "/setting"); string(got) != "0 1" {
		t.Errorf("setting = %q, want %q", got, "0 1")
	}
	if !strings.Contains(out, "#1 END ok\n") || !strings.Contains(out, "#2 END error:") {
		t.Errorf("output:\n%s", out)
	}
	if _, err := os.Stat(dir + "/new"); err == nil {
		t.Error("write created a file")
	}
}
