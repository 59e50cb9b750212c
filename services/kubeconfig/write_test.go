package kubeconfig

import (
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
)

func TestWriteEmbedded(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"ca.crt": "CA", "c.crt": "CERT", "c.key": "KEY"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "etc", "admin.yaml")
	c := Config{Server: "https://127.0.0.1:6443", CAFile: filepath.Join(dir, "ca.crt"),
		CertFile: filepath.Join(dir, "c.crt"), KeyFile: filepath.Join(dir, "c.key"), Embed: true, User: "admin"}
	if err := Write(path, 0o640, c); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v: %v", info.Mode().Perm(), err)
	}
	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.AuthInfos["admin"]
	if cfg.Clusters["default"].Server != c.Server || string(cfg.Clusters["default"].CertificateAuthorityData) != "CA" ||
		string(u.ClientCertificateData) != "CERT" || string(u.ClientKeyData) != "KEY" || u.ClientCertificate != "" {
		t.Errorf("embedded kubeconfig wrong: %+v %+v", cfg.Clusters["default"], u)
	}
	c.Embed = false
	if err := Write(path, 0o600, c); err != nil {
		t.Fatal(err)
	}
	cfg, err = clientcmd.LoadFromFile(path)
	if err != nil || cfg.AuthInfos["admin"].ClientCertificate != c.CertFile || len(cfg.AuthInfos["admin"].ClientCertificateData) != 0 {
		t.Errorf("path kubeconfig wrong: %v", err)
	}
	c.CAFile = filepath.Join(dir, "missing.crt")
	c.Embed = true
	if err := Write(path, 0o600, c); err == nil {
		t.Error("a missing CA file was accepted")
	}
}
