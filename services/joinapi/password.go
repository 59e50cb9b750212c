package joinapi

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// PasswordStore keeps one node-password hash per node name.
type PasswordStore interface {
	// Get returns the stored hash of node, or an error wrapping
	// ErrNoPassword when there is none.
	Get(ctx context.Context, node string) (hash string, err error)
	// Create stores the hash of node, or returns an error wrapping
	// ErrPasswordExists when the node already has one.
	Create(ctx context.Context, node, hash string) error
}

// Errors a PasswordStore returns.
var (
	ErrNoPassword     = errors.New("no node password stored")
	ErrPasswordExists = errors.New("node password already stored")
	// ErrWrongPassword is returned by CheckNodePassword when another
	// password was stored for the node first.
	ErrWrongPassword = errors.New("node password does not match the one stored for this node name")
)

const (
	hashScheme = "sha256"
	saltBytes  = 16
)

// HashPassword returns "sha256$<salt hex>$<sha256(salt||password) hex>".
// A fast hash suffices: node passwords are random secrets the agent makes,
// not words a person chose.
func HashPassword(password string) (string, error) {
	salt := make([]byte, saltBytes)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("node password salt: %w", err)
	}
	return hashScheme + "$" + hex.EncodeToString(salt) + "$" + hex.EncodeToString(saltedSum(salt, password)), nil
}

// VerifyPassword tells whether password matches hash, in constant time. A
// malformed hash is an error.
func VerifyPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 3 || parts[0] != hashScheme {
		return false, errors.New("stored node-password hash has an unknown format")
	}
	salt, err1 := hex.DecodeString(parts[1])
	want, err2 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || len(want) != sha256.Size {
		return false, errors.New("stored node-password hash is malformed")
	}
	return subtle.ConstantTimeCompare(saltedSum(salt, password), want) == 1, nil
}

func saltedSum(salt []byte, password string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(password))
	return h.Sum(nil)
}

// CheckNodePassword accepts password for node when it matches the stored
// hash, or stores it when the node has none yet (first claim wins) and
// admit, when not nil, lets a new claim in. It returns ErrWrongPassword
// when another password was stored first.
func CheckNodePassword(ctx context.Context, store PasswordStore, node, password string, admit func(context.Context) error) error {
	for range 2 {
		hash, err := store.Get(ctx, node)
		if errors.Is(err, ErrNoPassword) {
			if admit != nil {
				if err := admit(ctx); err != nil {
					return fmt.Errorf("node %s: %w", node, err)
				}
			}
			err = createPassword(ctx, store, node, password)
			if errors.Is(err, ErrPasswordExists) {
				continue // lost a race with another claimant: check theirs
			}
			return err
		}
		if err != nil {
			return fmt.Errorf("node password of %s: %w", node, err)
		}
		ok, err := VerifyPassword(hash, password)
		if err != nil {
			return fmt.Errorf("node password of %s: %w", node, err)
		}
		if !ok {
			return fmt.Errorf("node %s: %w", node, ErrWrongPassword)
		}
		return nil
	}
	return fmt.Errorf("node password of %s: created and removed concurrently, retry", node)
}

func createPassword(ctx context.Context, store PasswordStore, node, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := store.Create(ctx, node, hash); err != nil {
		return fmt.Errorf("store node password of %s: %w", node, err)
	}
	return nil
}
