package kubeconfig

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/pki"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Config describes one kubeconfig: a server, the CA that signs its serving
// certificate and a client certificate.
type Config struct {
	Server   string // e.g. https://127.0.0.1:6443
	CAFile   string
	CertFile string
	KeyFile  string
	// Embed puts the files' content into the kubeconfig instead of their
	// paths.
	Embed bool
	// User names the context's user entry (e.g. "admin").
	User string
}

// Write writes the kubeconfig to path with mode, creating its directory
// (0755) when missing.
func Write(path string, mode os.FileMode, c Config) error {
	data, err := Render(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if err := pki.WriteFileAtomic(path, data, mode); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	return nil
}

// Render returns the kubeconfig as YAML.
func Render(c Config) ([]byte, error) {
	cluster := &clientcmdapi.Cluster{Server: c.Server}
	user := &clientcmdapi.AuthInfo{}
	if c.Embed {
		if err := embedFiles(c, cluster, user); err != nil {
			return nil, err
		}
	} else {
		cluster.CertificateAuthority = c.CAFile
		user.ClientCertificate = c.CertFile
		user.ClientKey = c.KeyFile
	}
	name := c.User
	if name == "" {
		name = "default"
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["default"] = cluster
	cfg.AuthInfos[name] = user
	cfg.Contexts["default"] = &clientcmdapi.Context{Cluster: "default", AuthInfo: name}
	cfg.CurrentContext = "default"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("render kubeconfig: %w", err)
	}
	return data, nil
}

func embedFiles(c Config, cluster *clientcmdapi.Cluster, user *clientcmdapi.AuthInfo) error {
	var err error
	if cluster.CertificateAuthorityData, err = os.ReadFile(c.CAFile); err != nil {
		return fmt.Errorf("kubeconfig CA: %w", err)
	}
	if user.ClientCertificateData, err = os.ReadFile(c.CertFile); err != nil {
		return fmt.Errorf("kubeconfig client certificate: %w", err)
	}
	if user.ClientKeyData, err = os.ReadFile(c.KeyFile); err != nil {
		return fmt.Errorf("kubeconfig client key: %w", err)
	}
	return nil
}
