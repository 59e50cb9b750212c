// Package sysctl writes kernel parameters under /proc/sys and holds the ones
// a Kubernetes node needs.
package sysctl

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Kubernetes returns the kernel parameters a node needs: forwarding,
// bridged traffic through iptables, conntrack sized and timed as
// kube-proxy expects, and the kubelet's protect-kernel-defaults values.
func Kubernetes(cpus int) map[string]string {
	conntrackMax := 32768 * cpus
	if conntrackMax < 131072 {
		conntrackMax = 131072
	}
	return map[string]string{
		"net.ipv4.ip_forward":                                "1",
		"net.ipv6.conf.all.forwarding":                       "1",
		"net.bridge.bridge-nf-call-iptables":                 "1",
		"net.bridge.bridge-nf-call-ip6tables":                "1",
		"net.netfilter.nf_conntrack_max":                     fmt.Sprint(conntrackMax),
		"net.netfilter.nf_conntrack_tcp_timeout_established": "86400",
		"net.netfilter.nf_conntrack_tcp_timeout_close_wait":  "3600",
		"vm.overcommit_memory":                               "1",
		"vm.panic_on_oom":                                    "0",
		"kernel.panic":                                       "10",
		"kernel.panic_on_oops":                               "1",
		"kernel.keys.root_maxkeys":                           "1000000",
		"kernel.keys.root_maxbytes":                          "25000000",
		"fs.inotify.max_user_watches":                        "524288",
		"fs.inotify.max_user_instances":                      "8192",
	}
}

// Path maps a dotted key (net.ipv4.ip_forward) to its file below root.
func Path(root, key string) string {
	return filepath.Join(root, filepath.FromSlash(strings.ReplaceAll(key, ".", "/")))
}

// Apply writes each parameter below root (normally /proc/sys), in key order,
// and returns one error naming every key it could not set.
func Apply(root string, params map[string]string) error {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		if err := os.WriteFile(Path(root, k), []byte(params[k]), 0o644); err != nil {
			errs = append(errs, fmt.Errorf("sysctl %s=%s: %w", k, params[k], err))
		}
	}
	return errors.Join(errs...)
}

// Get reads one parameter below root.
func Get(root, key string) (string, error) {
	b, err := os.ReadFile(Path(root, key))
	if err != nil {
		return "", fmt.Errorf("sysctl %s: %w", key, err)
	}
	return strings.TrimSpace(string(b)), nil
}
