//go:build !initramfs

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/outpost-os/outpost/services/joinapi"
	"github.com/outpost-os/outpost/services/kubeconfig"
	"github.com/outpost-os/outpost/services/server"
)

const nodeUsage = `usage: outpost node [--kubeconfig FILE] COMMAND

  list                            node names claimed with a node password, and whether their Node exists
  release NAME                    forget NAME's node password: the next box that joins as NAME takes it
                                  (a box replaced after a disk failure)
  register NAME --password-file F claim NAME for the box whose node password is in F (written to that
                                  box's /etc/outpost/node/password before it first joins)`

// runNode manages the node names that boxes claim when they first join
// (the node-password Secrets in kube-system), with an admin kubeconfig.
func runNode(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig (default: $KUBECONFIG, else "+server.DefaultKubeconfig+")")
	fs.Usage = func() { fmt.Fprintln(fs.Output(), nodeUsage) }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("a command is required: list, release or register")
	}
	client, err := adminClient(*kubeconfig)
	if err != nil {
		return err
	}
	store := joinapi.NewSecretStore(client)
	switch cmd, rest := fs.Arg(0), fs.Args()[1:]; cmd {
	case "list":
		return listClaims(ctx, client, store)
	case "release":
		return releaseName(ctx, client, store, rest)
	case "register":
		return registerName(ctx, store, rest)
	default:
		return fmt.Errorf("unknown command %q: want list, release or register", cmd)
	}
}

func adminClient(path string) (kubernetes.Interface, error) {
	if path == "" {
		path = os.Getenv("KUBECONFIG")
	}
	if path == "" {
		path = server.DefaultKubeconfig
	}
	cs, err := kubeconfig.Client(path)
	if err != nil {
		return nil, fmt.Errorf("%w (on a server it is %s; elsewhere fetch one with outpost kubeconfig)", err, server.DefaultKubeconfig)
	}
	return cs, nil
}

func listClaims(ctx context.Context, client kubernetes.Interface, store *joinapi.SecretStore) error {
	names, err := store.List(ctx)
	if err != nil {
		return err
	}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return fmt.Errorf("list nodes: %w", err)
	}
	registered := map[string]bool{}
	for _, n := range nodes.Items {
		registered[n.Name] = true
	}
	slices.Sort(names)
	fmt.Println("NAME\tNODE")
	for _, n := range names {
		state := "not registered"
		if registered[n] {
			state = "registered"
		}
		fmt.Printf("%s\t%s\n", n, state)
	}
	return nil
}

func oneName(args []string, what string) (string, error) {
	if len(args) != 1 || args[0] == "" {
		return "", fmt.Errorf("%s needs exactly one node name", what)
	}
	return args[0], nil
}

func releaseName(ctx context.Context, client kubernetes.Interface, store *joinapi.SecretStore, args []string) error {
	name, err := oneName(args, "release")
	if err != nil {
		return err
	}
	if err := store.Delete(ctx, name); err != nil {
		if errors.Is(err, joinapi.ErrNoPassword) {
			return fmt.Errorf("node name %s is not claimed: the next box to join as %s takes it already", name, name)
		}
		return err
	}
	fmt.Printf("released %s: the next box that joins as %s claims it\n", name, name)
	if _, err := client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}); err == nil {
		fmt.Printf("Node %s still exists: if its old box is gone for good, also run kubectl delete node %s\n", name, name)
	}
	return nil
}

func registerName(ctx context.Context, store *joinapi.SecretStore, args []string) error {
	fs := flag.NewFlagSet("node register", flag.ContinueOnError)
	passwordFile := fs.String("password-file", "", "file holding the box's node password (required)")
	var names []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if args = fs.Args(); len(args) > 0 {
			names, args = append(names, args[0]), args[1:]
		}
	}
	name, err := oneName(names, "register")
	if err != nil {
		return err
	}
	if *passwordFile == "" {
		return errors.New("register needs --password-file FILE (the password, not on the command line)")
	}
	data, err := os.ReadFile(*passwordFile)
	if err != nil {
		return fmt.Errorf("node password: %w", err)
	}
	password := strings.TrimSpace(string(data))
	if len(password) < 16 {
		return fmt.Errorf("node password in %s is %d characters: use at least 16 random ones (openssl rand -hex 16)", *passwordFile, len(password))
	}
	hash, err := joinapi.HashPassword(password)
	if err != nil {
		return err
	}
	if err := store.Create(ctx, name, hash); err != nil {
		if errors.Is(err, joinapi.ErrPasswordExists) {
			return fmt.Errorf("node name %s is claimed already: outpost node release %s first", name, name)
		}
		return err
	}
	fmt.Printf("registered %s: only the box with that node password can join as %s\n", name, name)
	return nil
}
