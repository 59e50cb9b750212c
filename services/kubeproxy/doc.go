// Package kubeproxy runs the upstream kube-proxy (iptables mode) inside the
// role process.
package kubeproxy
