package agent

import "testing"

func TestHasUsableNameserver(t *testing.T) {
	for text, want := range map[string]bool{
		"":                                false,
		"# nothing\nsearch example.com\n": false,
		"nameserver 127.0.0.53\n":         false,
		"nameserver ::1\n":                false,
		"nameserver 10.0.2.3\n":           true,
		"search a\nnameserver 127.0.0.1\nnameserver 192.0.2.1\n": true,
		"nameserver not-an-ip\n":                                 false,
	} {
		if got := hasUsableNameserver([]byte(text)); got != want {
			t.Errorf("%q: got %v, want %v", text, got, want)
		}
	}
}
