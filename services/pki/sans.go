package pki

import (
	"fmt"
	"math/big"
	"net"
	"slices"
	"strings"
)

// servingSANs is the SAN set of the kube-apiserver and join API serving
// certificates.
func servingSANs(o ServerOptions) (LeafSpec, error) {
	svcIP, err := FirstIP(o.ServiceCIDR)
	if err != nil {
		return LeafSpec{}, err
	}
	s := LeafSpec{
		DNSNames: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc." + o.ClusterDomain, "localhost", o.NodeName},
		IPs: []net.IP{net.IPv4(127, 0, 0, 1), svcIP},
	}
	s.IPs = append(s.IPs, o.NodeIPs...)
	if o.AdvertiseIP != nil {
		s.IPs = append(s.IPs, o.AdvertiseIP)
	}
	for _, san := range o.SANs {
		if err := s.addSAN(san); err != nil {
			return LeafSpec{}, err
		}
	}
	return s.dedup(), nil
}

// etcdSANs is the SAN set of the etcd server and peer certificates.
func etcdSANs(o ServerOptions) LeafSpec {
	s := LeafSpec{DNSNames: []string{"localhost", o.NodeName}, IPs: []net.IP{net.IPv4(127, 0, 0, 1)}}
	s.IPs = append(s.IPs, o.NodeIPs...)
	if o.AdvertiseIP != nil {
		s.IPs = append(s.IPs, o.AdvertiseIP)
	}
	return s.dedup()
}

func (s *LeafSpec) addSAN(san string) error {
	san = strings.TrimSpace(san)
	if ip := net.ParseIP(san); ip != nil {
		s.IPs = append(s.IPs, ip)
		return nil
	}
	if !ValidDNSName(san) {
		return fmt.Errorf("--tls-san %q is neither an IP address nor a DNS name", san)
	}
	s.DNSNames = append(s.DNSNames, strings.ToLower(san))
	return nil
}

// dedup drops repeated names and addresses, keeping the first occurrence.
func (s LeafSpec) dedup() LeafSpec {
	seen := map[string]bool{}
	var names []string
	for _, n := range s.DNSNames {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	var ips []net.IP
	for _, ip := range s.IPs {
		if v4 := ip.To4(); v4 != nil {
			ip = v4
		}
		if !seen[ip.String()] {
			seen[ip.String()] = true
			ips = append(ips, ip)
		}
	}
	s.DNSNames, s.IPs = names, ips
	return s
}

// FirstIP is the first usable address of a CIDR: the network address plus
// one, e.g. 10.43.0.1 for 10.43.0.0/16 (the kubernetes service's ClusterIP).
func FirstIP(cidr *net.IPNet) (net.IP, error) {
	if cidr == nil {
		return nil, fmt.Errorf("service CIDR is missing")
	}
	base := cidr.IP.Mask(cidr.Mask)
	if v4 := base.To4(); v4 != nil {
		base = v4
	}
	n := new(big.Int).SetBytes(base)
	n.Add(n, big.NewInt(1))
	ip := n.FillBytes(make([]byte, len(base)))
	if !cidr.Contains(ip) {
		return nil, fmt.Errorf("service CIDR %s has no usable address", cidr)
	}
	return net.IP(ip), nil
}

// ValidDNSName tells whether s is a DNS name that may go into a certificate:
// dot-separated labels of letters, digits and hyphens (a leading "*." is
// allowed), not starting or ending with a hyphen, at most 253 characters.
func ValidDNSName(s string) bool {
	s = strings.TrimPrefix(s, "*.")
	if s == "" || len(s) > 253 {
		return false
	}
	return !slices.ContainsFunc(strings.Split(s, "."), func(l string) bool { return !validLabel(l) })
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for _, r := range l {
		ok := r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return true
}
