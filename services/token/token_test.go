package token

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

var (
	caPEM   = []byte("-----BEGIN CERTIFICATE-----\nserver ca\n-----END CERTIFICATE-----\n")
	otherCA = []byte("-----BEGIN CERTIFICATE-----\nanother ca\n-----END CERTIFICATE-----\n")
)

const secret = "0123456789abcdef0123456789abcdef"

func TestGenerate(t *testing.T) {
	a, err := Generate(UserServer, caPEM)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Generate(UserServer, caPEM)
	if a.Secret() == b.Secret() || len(a.Secret()) != 64 {
		t.Errorf("secrets %d chars, equal=%v", len(a.Secret()), a.Secret() == b.Secret())
	}
	want := "K10" + CAHash(caPEM) + "::server:" + a.Secret()
	if a.Encode() != want {
		t.Errorf("Encode = %q, want %q", a.Encode(), want)
	}
	if len(CAHash(caPEM)) != 64 || !a.HasCA() || a.User() != UserServer {
		t.Errorf("hash %q user %q", a.CAHash(), a.User())
	}
	if _, err := Generate("admin", caPEM); err == nil {
		t.Error("unknown user accepted")
	}
}

func TestParseFull(t *testing.T) {
	hash := CAHash(caPEM)
	tok, err := Parse("K10" + strings.ToUpper(hash) + "::node:" + secret + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if tok.CAHash() != hash || tok.User() != UserNode || tok.Secret() != secret || !tok.HasCA() {
		t.Errorf("parsed %q %q", tok.CAHash(), tok.User())
	}
	again, err := Parse(tok.Encode())
	if err != nil || !again.Equal(tok) {
		t.Errorf("round trip: %v", err)
	}
}

func TestParseBare(t *testing.T) {
	tok, err := Parse("  " + secret + "\n")
	if err != nil {
		t.Fatal(err)
	}
	if tok.HasCA() || tok.User() != "" || tok.Secret() != secret || tok.Encode() != secret {
		t.Errorf("bare token parsed as %q/%q", tok.CAHash(), tok.User())
	}
	full, err := tok.WithUser(UserNode)
	if err != nil {
		t.Fatal(err)
	}
	if full.WithCA(caPEM).Encode() != "K10"+CAHash(caPEM)+"::node:"+secret {
		t.Error("WithUser/WithCA did not complete the token")
	}
}

func TestParseErrors(t *testing.T) {
	hash := CAHash(caPEM)
	const s = "s3cr3t-value-that-must-not-leak"
	for name, in := range map[string]string{
		"empty":        " \n",
		"short hash":   "K10abcd::server:" + s,
		"non-hex hash": "K10" + strings.Repeat("z", 64) + "::server:" + s,
		"no user sep":  "K10" + hash + "::" + s,
		"bad user":     "K10" + hash + "::admin:" + s,
		"empty secret": "K10" + hash + "::server:",
		"space":        "two words " + s,
		"colon bare":   "user:" + s,
		"non-ascii":    s + "é",
		"too long":     strings.Repeat("a", maxLen+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse(in)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), s) || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestSecretNeverPrinted(t *testing.T) {
	tok, _ := New(UserServer, secret, caPEM)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("joined", "token", tok)
	for _, out := range []string{tok.String(), fmt.Sprint(tok), fmt.Sprintf("%v %+v %#v %s", tok, tok, tok, tok), buf.String()} {
		if strings.Contains(out, secret) {
			t.Errorf("secret printed: %s", out)
		}
	}
	if !strings.Contains(tok.String(), tok.CAHash()) {
		t.Error("String should still show the CA hash")
	}
}

func TestVerifyCA(t *testing.T) {
	tok, _ := New(UserNode, secret, caPEM)
	if err := tok.VerifyCA(caPEM); err != nil {
		t.Errorf("right CA refused: %v", err)
	}
	err := tok.VerifyCA(otherCA)
	if err == nil || !strings.Contains(err.Error(), CAHash(caPEM)) || !strings.Contains(err.Error(), CAHash(otherCA)) {
		t.Errorf("wrong CA: want an error naming both hashes, got %v", err)
	}
	bare, _ := Parse(secret)
	if err := bare.VerifyCA(otherCA); err != nil {
		t.Errorf("bare secret pins nothing, got %v", err)
	}
}

func FuzzParse(f *testing.F) {
	good, _ := New(UserServer, secret, caPEM)
	for _, s := range []string{good.Encode(), secret, "", "K10", "K10::", "K10" + CAHash(caPEM) + "::node:", "K10abc::server:x", "x:y", "\x00", good.Encode() + "\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		tok, err := Parse(in)
		if err != nil {
			if len(in) >= 16 && strings.Contains(err.Error(), in) {
				t.Fatalf("error quotes the input: %v", err)
			}
			return
		}
		again, err := Parse(tok.Encode())
		if err != nil || !again.Equal(tok) {
			t.Fatalf("Encode/Parse round trip failed: %v", err)
		}
		if s := tok.String(); tok.Secret() != redactedText && (s == tok.Secret() || strings.HasSuffix(s, ":"+tok.Secret())) {
			t.Fatalf("String shows the secret")
		}
	})
}
