package joinapi

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestHashPassword(t *testing.T) {
	a, _ := HashPassword("secret-pw")
	b, _ := HashPassword("secret-pw")
	if a == b || strings.Contains(a, "secret-pw") {
		t.Errorf("hashes not salted or hold the password: %s %s", a, b)
	}
	for pw, want := range map[string]bool{"secret-pw": true, "secret-pX": false, "": false} {
		if ok, err := VerifyPassword(a, pw); ok != want || err != nil {
			t.Errorf("VerifyPassword(%q) = %v, %v", pw, ok, err)
		}
	}
	if _, err := VerifyPassword("md5$00$00", "x"); err == nil {
		t.Error("unknown scheme accepted")
	}
}

func TestConcurrentClaimsOneWins(t *testing.T) {
	store := NewSecretStore(fake.NewClientset())
	ctx := context.Background()
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = CheckNodePassword(ctx, store, "edge-9", string(rune('a'+i))+"-password", nil) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ErrWrongPassword):
			t.Errorf("unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d claimants won, want exactly 1", wins)
	}
}

func TestSecretStoreRefusesForeignSecret(t *testing.T) {
	kube := fake.NewClientset(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretName("edge-4"), Namespace: "kube-system"},
		Data:       map[string][]byte{"hash": []byte("x")},
	})
	err := CheckNodePassword(context.Background(), NewSecretStore(kube), "edge-4", "pw", nil)
	if err == nil || errors.Is(err, ErrWrongPassword) || !strings.Contains(err.Error(), "not a node-password secret") {
		t.Fatalf("want an error about the foreign secret, got %v", err)
	}
}
