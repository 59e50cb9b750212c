package joinapi

import (
	"context"
	"crypto/x509"
	"encoding/pem"

	"fmt"
	"net"
	"net/http"
	"os"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/outpost-os/outpost/services/pki"
)

// NodeAddresses returns the addresses each registered Node reports
// (InternalIP, ExternalIP, Hostname), by node name.
type NodeAddresses func(ctx context.Context) (map[string][]string, error)

// NodeAddressesFrom lists the Nodes of a cluster through client.
func NodeAddressesFrom(client kubernetes.Interface) NodeAddresses {
	return func(ctx context.Context) (map[string][]string, error) {
		nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, fmt.Errorf("list nodes: %w", err)
		}
		out := map[string][]string{}
		for _, n := range nodes.Items {
			out[n.Name] = []string{}
			for _, a := range n.Status.Addresses {
				switch a.Type {
				case corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeHostName:
					out[n.Name] = append(out[n.Name], a.Address)
				}
			}
		}
		return out, nil
	}
}

// serverNames are the names and addresses the server's own serving
// certificates hold (kube-apiserver's and the join API's: kubernetes.*,
// localhost, the node name, its addresses, --tls-san). A kubelet serving
// certificate may carry one of them only for a caller with the server
// token: the server's own embedded agent.
type serverNames struct {
	names map[string]bool
	ips   []net.IP
}

func loadServerNames(certs *pki.ServerCerts) (serverNames, error) {
	s := serverNames{names: map[string]bool{}}
	for _, p := range []pki.Pair{certs.ServingAPIServer, certs.ServingSupervisor} {
		if p.Cert == "" {
			continue
		}
		data, err := os.ReadFile(p.Cert)
		if err != nil {
			return s, fmt.Errorf("join API: the server's names: %w", err)
		}
		block, _ := pem.Decode(data)
		if block == nil {
			return s, fmt.Errorf("join API: %s holds no certificate", p.Cert)
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return s, fmt.Errorf("join API: %s: %w", p.Cert, err)
		}
		for _, n := range c.DNSNames {
			s.names[n] = true
		}
		s.ips = append(s.ips, c.IPAddresses...)
	}
	return s, nil
}

func (s serverNames) holds(name string, ips []net.IP) string {
	if s.names[name] {
		return name
	}
	for _, ip := range ips {
		if slices.ContainsFunc(s.ips, ip.Equal) {
			return ip.String()
		}
	}
	return ""
}

// checkClaims refuses a request for a node name the server holds unless
// the caller has the server token (whatever the certificate: a client
// certificate for the server's node name would act as its kubelet), and
// a kubelet serving certificate for the server's addresses or another
// registered node's. It runs before the node password is checked, so a
// refused request stores nothing. It writes the answer when it refuses.
func (h *handler) checkClaims(w http.ResponseWriter, r *http.Request, req nodeRequest, serving bool) bool {
	var ips []net.IP
	if serving {
		ips = req.ips
	}
	if held := h.server.holds(req.name, ips); held != "" && h.auth.role(r) != roleServer {
		http.Error(w, fmt.Sprintf("forbidden: %s belongs to the server; a node's certificate cannot carry it", held), http.StatusForbidden)
		return false
	}
	if !serving || h.cfg.Nodes == nil {
		return true
	}
	nodes, err := h.cfg.Nodes(r.Context())
	if err != nil {
		h.log.Error("node addresses unavailable", "err", err)
		http.Error(w, "node addresses unavailable, retry later", http.StatusServiceUnavailable)
		return false
	}
	for other, addrs := range nodes {
		if other == req.name {
			continue
		}
		for _, a := range addrs {
			if a == req.name || slices.ContainsFunc(req.ips, func(ip net.IP) bool { return ip.Equal(net.ParseIP(a)) }) {
				h.log.Warn("refused a serving certificate for another node's address", "node", req.name, "address", a, "holder", other, "remote", r.RemoteAddr)
				http.Error(w, fmt.Sprintf("forbidden: %s is an address of node %s", a, other), http.StatusForbidden)
				return false
			}
		}
	}
	return true
}
