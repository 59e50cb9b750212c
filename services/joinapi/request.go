package joinapi

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"unicode"

	"github.com/outpost-os/outpost/services/pki"
)

// Headers an agent sends with its certificate requests.
const (
	HeaderNodeName     = "Outpost-Node-Name"
	HeaderNodePassword = "Outpost-Node-Password"
	// HeaderNodeIP is a comma-separated list of the node's IP addresses,
	// the SANs of its kubelet serving certificate. Without it the IP
	// addresses of the CSR are used.
	HeaderNodeIP = "Outpost-Node-IP"
)

const (
	maxCSRBytes      = 64 << 10
	maxPasswordBytes = 512
	maxNodeIPs       = 16
	// Node names must leave room for the Secret's suffix within the 253
	// characters of an object name.
	maxNodeNameLen = 253 - len(SecretSuffix)
)

// nodeRequest is a validated certificate request of a node.
type nodeRequest struct {
	name     string
	password string
	ips      []net.IP
	csr      *x509.CertificateRequest
}

// parseNodeRequest reads the node headers and the PEM CSR of r. Its errors
// are safe to send back: they never quote the password.
func parseNodeRequest(r *http.Request) (nodeRequest, error) {
	name, pw, err := nodeHeaders(r)
	if err != nil {
		return nodeRequest{}, err
	}
	csr, err := readCSR(r.Body)
	if err != nil {
		return nodeRequest{}, err
	}
	ips, err := nodeIPs(r.Header.Get(HeaderNodeIP), csr.IPAddresses)
	if err != nil {
		return nodeRequest{}, err
	}
	return nodeRequest{name: name, password: pw, ips: ips, csr: csr}, nil
}

// nodeHeaders reads and checks the node name and password headers.
func nodeHeaders(r *http.Request) (name, password string, err error) {
	if name, err = nodeName(r.Header.Get(HeaderNodeName)); err != nil {
		return "", "", err
	}
	pw := r.Header.Get(HeaderNodePassword)
	if pw == "" || len(pw) > maxPasswordBytes || strings.ContainsFunc(pw, unicode.IsControl) {
		return "", "", fmt.Errorf("header %s must hold the node password (1 to %d printable bytes)", HeaderNodePassword, maxPasswordBytes)
	}
	return name, pw, nil
}

// nodeName checks a node name: a lowercase DNS subdomain (as Kubernetes
// wants node names) that is not one of the API server's own names.
func nodeName(name string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("header %s is missing", HeaderNodeName)
	}
	if len(name) > maxNodeNameLen || name != strings.ToLower(name) || strings.HasPrefix(name, "*") || !pki.ValidDNSName(name) {
		return "", fmt.Errorf("header %s: node name must be a lowercase DNS name of at most %d characters", HeaderNodeName, maxNodeNameLen)
	}
	if reservedName(name) {
		return "", fmt.Errorf("header %s: node name %q is reserved for the API server", HeaderNodeName, name)
	}
	return name, nil
}

// reservedName tells whether a name is one the kube-apiserver serving
// certificate holds; a kubelet serving certificate (also from server-ca)
// must not carry it.
func reservedName(name string) bool {
	return name == "localhost" || name == "kubernetes" || strings.HasPrefix(name, "kubernetes.") ||
		strings.HasSuffix(name, ".svc") || strings.Contains(name, ".svc.")
}

func readCSR(body io.Reader) (*x509.CertificateRequest, error) {
	if body == nil {
		return nil, errors.New("request body must be a PEM certificate request")
	}
	data, err := io.ReadAll(io.LimitReader(body, maxCSRBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read certificate request: %w", err)
	}
	if len(data) > maxCSRBytes {
		return nil, fmt.Errorf("certificate request is larger than %d bytes", maxCSRBytes)
	}
	block, _ := pem.Decode(data)
	if block == nil || (block.Type != "CERTIFICATE REQUEST" && block.Type != "NEW CERTIFICATE REQUEST") {
		return nil, errors.New("request body must be a PEM CERTIFICATE REQUEST block")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse certificate request: %w", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", err)
	}
	return csr, nil
}

// nodeIPs takes the IPs from the header when given, else from the CSR,
// and refuses addresses no node can serve on.
func nodeIPs(header string, fromCSR []net.IP) ([]net.IP, error) {
	ips := fromCSR
	if strings.TrimSpace(header) != "" {
		ips = nil
		for f := range strings.SplitSeq(header, ",") {
			ip := net.ParseIP(strings.TrimSpace(f))
			if ip == nil {
				return nil, fmt.Errorf("header %s: %q is not an IP address", HeaderNodeIP, short(strings.TrimSpace(f)))
			}
			ips = append(ips, ip)
		}
	}
	if len(ips) > maxNodeIPs {
		return nil, fmt.Errorf("at most %d node IP addresses, got %d", maxNodeIPs, len(ips))
	}
	out := make([]net.IP, 0, len(ips))
	for _, ip := range ips {
		if ip.IsUnspecified() || ip.IsLoopback() || ip.IsMulticast() || ip.Equal(net.IPv4bcast) {
			return nil, fmt.Errorf("node IP %s is not a unicast address of the node", ip)
		}
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		out = append(out, ip)
	}
	return out, nil
}

// short cuts s for quoting in an error message.
func short(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "..."
}
