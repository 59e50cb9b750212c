package joinapi

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Node-password Secrets: kube-system/<node>.node-password.outpost of this
// type, holding the hash under SecretHashKey.
const (
	SecretNamespace = metav1.NamespaceSystem
	SecretSuffix    = ".node-password.outpost"
	SecretType      = corev1.SecretType("outpost.io/node-password")
	SecretHashKey   = "hash"
)

// SecretStore is the PasswordStore of a cluster: one immutable Secret per
// node in kube-system.
type SecretStore struct {
	client kubernetes.Interface
}

// NewSecretStore returns a store that keeps hashes in Secrets through client.
func NewSecretStore(client kubernetes.Interface) *SecretStore {
	return &SecretStore{client: client}
}

// SecretName is the name of node's password Secret.
func SecretName(node string) string { return node + SecretSuffix }

// Get implements PasswordStore.
func (s *SecretStore) Get(ctx context.Context, node string) (string, error) {
	sec, err := s.client.CoreV1().Secrets(SecretNamespace).Get(ctx, SecretName(node), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", fmt.Errorf("secret %s/%s: %w", SecretNamespace, SecretName(node), ErrNoPassword)
	}
	if err != nil {
		return "", fmt.Errorf("get secret %s/%s: %w", SecretNamespace, SecretName(node), err)
	}
	hash, ok := sec.Data[SecretHashKey]
	if sec.Type != SecretType || !ok {
		return "", fmt.Errorf("secret %s/%s is not a node-password secret (type %q); delete it if the node name is free", SecretNamespace, sec.Name, sec.Type)
	}
	return string(hash), nil
}

// Create implements PasswordStore.
func (s *SecretStore) Create(ctx context.Context, node, hash string) error {
	immutable := true
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:      SecretName(node),
			Namespace: SecretNamespace,
		},
		Type:      SecretType,
		Immutable: &immutable,
		Data:      map[string][]byte{SecretHashKey: []byte(hash)},
	}
	_, err := s.client.CoreV1().Secrets(SecretNamespace).Create(ctx, sec, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("secret %s/%s: %w", SecretNamespace, sec.Name, ErrPasswordExists)
	}
	if err != nil {
		return fmt.Errorf("create secret %s/%s: %w", SecretNamespace, sec.Name, err)
	}
	return nil
}

// PendingClaims implements PendingCounter: the node-password Secrets
// whose node has no Node object.
func (s *SecretStore) PendingClaims(ctx context.Context) (int, error) {
	nodes, err := s.client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("list nodes: %w", err)
	}
	registered := map[string]bool{}
	for _, n := range nodes.Items {
		registered[n.Name] = true
	}
	claims, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range claims {
		if !registered[c] {
			n++
		}
	}
	return n, nil
}

// List returns the node names that have a password stored.
func (s *SecretStore) List(ctx context.Context) ([]string, error) {
	secrets, err := s.client.CoreV1().Secrets(SecretNamespace).List(ctx, metav1.ListOptions{FieldSelector: "type=" + string(SecretType)})
	if err != nil {
		return nil, fmt.Errorf("list node-password secrets: %w", err)
	}
	var names []string
	for _, sec := range secrets.Items {
		if node, ok := strings.CutSuffix(sec.Name, SecretSuffix); ok {
			names = append(names, node)
		}
	}
	return names, nil
}

// Delete removes node's password: the next box to join as node claims
// the name. A missing password is ErrNoPassword.
func (s *SecretStore) Delete(ctx context.Context, node string) error {
	err := s.client.CoreV1().Secrets(SecretNamespace).Delete(ctx, SecretName(node), metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return fmt.Errorf("secret %s/%s: %w", SecretNamespace, SecretName(node), ErrNoPassword)
	}
	if err != nil {
		return fmt.Errorf("delete secret %s/%s: %w", SecretNamespace, SecretName(node), err)
	}
	return nil
}
