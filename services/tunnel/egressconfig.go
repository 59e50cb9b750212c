package tunnel

import (
	"fmt"
	"os"
	"path/filepath"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	apiserverv1beta1 "k8s.io/apiserver/pkg/apis/apiserver/v1beta1"
	"sigs.k8s.io/yaml"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// EgressConfig is kube-apiserver's egress selector configuration: its
// "cluster" traffic (kubelets, pod, service and node proxies, webhooks,
// aggregated APIs) goes by HTTP CONNECT through the proxy on socket; its
// control-plane and etcd traffic stays direct.
func EgressConfig(socket string) ([]byte, error) {
	c := apiserverv1beta1.EgressSelectorConfiguration{
		TypeMeta: metav1.TypeMeta{APIVersion: "apiserver.k8s.io/v1beta1", Kind: "EgressSelectorConfiguration"},
		EgressSelections: []apiserverv1beta1.EgressSelection{{
			Name: "cluster",
			Connection: apiserverv1beta1.Connection{
				ProxyProtocol: apiserverv1beta1.ProtocolHTTPConnect,
				Transport:     &apiserverv1beta1.Transport{UDS: &apiserverv1beta1.UDSTransport{UDSName: socket}},
			},
		}},
	}
	return yaml.Marshal(c)
}

// WriteEgressConfig writes EgressConfig(socket) to path (0600), for
// kube-apiserver's --egress-selector-config-file.
func WriteEgressConfig(path, socket string) error {
	data, err := EgressConfig(socket)
	if err != nil {
		return fmt.Errorf("egress selector configuration: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("egress selector configuration: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("egress selector configuration: %w", err)
	}
	return nil
}
