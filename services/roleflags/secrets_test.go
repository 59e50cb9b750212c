package roleflags

import (
	"os"
	"slices"
	"strconv"
	"testing"
)

func TestSplit(t *testing.T) {
	argv := []string{"outpost", "server", "--token", "s1", "--token-file", "/f", "-agent-token=s2", "--data-dir", "/d"}
	rest, s := Split(argv, "token", "agent-token")
	want := []string{"outpost", "server", "--token-file", "/f", "--data-dir", "/d"}
	if !slices.Equal(rest, want) || s["token"] != "s1" || s["agent-token"] != "s2" {
		t.Errorf("got %q %+v", rest, s)
	}
	rest, s = Split([]string{"outpost", "server", "--", "--token", "x"}, "token")
	if len(rest) != 5 || len(s) != 0 {
		t.Errorf("arguments after -- must stay: %q %+v", rest, s)
	}
}

func TestSecretPipeRoundTrip(t *testing.T) {
	fd, err := secretPipe(Secrets{"token": "t0k", "agent-token": "a9"})
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(envSecretsFD, strconv.Itoa(fd))
	got, err := Inherited()
	if err != nil || got["token"] != "t0k" || got["agent-token"] != "a9" {
		t.Fatalf("got %+v %v", got, err)
	}
	if os.Getenv(envSecretsFD) != "" {
		t.Error("the fd variable must be cleared once read")
	}
}

func TestTakePrefersPipeThenEnv(t *testing.T) {
	t.Setenv("OUTPOST_TEST_SECRET", "from-env")
	var v string
	set := map[string]bool{}
	Take(&v, Secrets{"token": "from-pipe"}, "OUTPOST_TEST_SECRET", "token", set)
	if v != "from-pipe" || !set["token"] {
		t.Errorf("pipe: %q %v", v, set)
	}
	v, set = "", map[string]bool{}
	Take(&v, nil, "OUTPOST_TEST_SECRET", "token", set)
	if v != "from-env" || !set["token"] {
		t.Errorf("env: %q %v", v, set)
	}
}
