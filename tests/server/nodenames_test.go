package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/tests/vm"
)

// checkNodeNames: a name is claimed by the first box to join as it, an
// operator releases it for a replacement box or registers it for a box
// in advance with outpost node, and an agent-token holder cannot claim
// names without bound (429).
func checkNodeNames(t *testing.T, s *server) {
	c := agentClient(t, s)
	node := func(args ...string) (string, error) {
		return vm.Run(time.Minute, binary, append([]string{"node", "--kubeconfig", filepath.Join(s.dir, "admin.yaml")}, args...)...)
	}
	t.Run("release lets a replacement box take the name", func(t *testing.T) {
		if err := postClaim(t, c, "replaced-box", "old-box-password-0001"); err != nil {
			t.Fatal(err)
		}
		wantStatus(t, "the replacement before release", postClaim(t, c, "replaced-box", "new-box-password-0002"), http.StatusForbidden)
		if out, err := node("list"); err != nil || !strings.Contains(out, "replaced-box\tnot registered") {
			t.Errorf("outpost node list: %v\n%s", err, out)
		}
		if out, err := node("release", "replaced-box"); err != nil || !strings.Contains(out, "released replaced-box") {
			t.Fatalf("outpost node release: %v\n%s", err, out)
		}
		if err := postClaim(t, c, "replaced-box", "new-box-password-0002"); err != nil {
			t.Errorf("the replacement after release: %v", err)
		}
		if out, err := node("release", "never-claimed"); err == nil || !strings.Contains(out, "is not claimed") {
			t.Errorf("releasing an unclaimed name: %v\n%s", err, out)
		}
	})
	t.Run("register claims a name for one box in advance", func(t *testing.T) {
		pw := filepath.Join(t.TempDir(), "password")
		if err := os.WriteFile(pw, []byte("preregistered-0123456789\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := node("register", "future-box", "--password-file", pw); err != nil {
			t.Fatalf("outpost node register: %v\n%s", err, out)
		}
		wantStatus(t, "another box", postClaim(t, c, "future-box", "someone-else-00000000"), http.StatusForbidden)
		if err := postClaim(t, c, "future-box", "preregistered-0123456789"); err != nil {
			t.Errorf("the registered box: %v", err)
		}
		if out, err := node("register", "future-box", "--password-file", pw); err == nil || !strings.Contains(out, "claimed already") {
			t.Errorf("registering a claimed name: %v\n%s", err, out)
		}
	})
	t.Run("new claims are bounded: 429", func(t *testing.T) { checkClaimLimit(t, c) })
}

// checkClaimLimit claims new names with the agent token, eight at a time,
// until the server refuses: the rate limit or, however slow this machine
// is, the bound on names claimed with no Node registered.
func checkClaimLimit(t *testing.T, c *joinapi.Client) {
	limits := joinapi.DefaultClaimLimits()
	attempts := limits.MaxPending + 5
	names := make(chan int)
	refused := make(chan string, attempts)
	var failed atomic.Value
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range names {
				err := postClaim(t, c, fmt.Sprintf("squatted-%d", i), "squatter-password-000")
				var se *joinapi.StatusError
				switch {
				case errors.As(err, &se) && se.Code == http.StatusTooManyRequests:
					refused <- se.Message
				case err != nil:
					failed.Store(err)
				}
			}
		})
	}
feed:
	for i := range attempts {
		select {
		case msg := <-refused:
			refused <- msg
			break feed
		case names <- i:
		}
	}
	close(names)
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		t.Fatalf("a claim failed otherwise: %v", err)
	}
	select {
	case msg := <-refused:
		if !strings.Contains(msg, "new names a minute") && !strings.Contains(msg, "outpost node release NAME") {
			t.Errorf("429 does not say which limit: %s", msg)
		}
	default:
		t.Fatalf("%d new names claimed with the agent token, none refused", attempts)
	}
}

func postClaim(t *testing.T, c *joinapi.Client, name, password string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, csr := newKeyAndCSR(t)
	_, err := c.PostCSR(ctx, "client-kubelet.crt", csr, &joinapi.NodeIdentity{Name: name, Password: password})
	return err
}
