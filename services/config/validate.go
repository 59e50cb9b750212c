package config

import (
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-os/outpost/services/paths"
)

// checker collects every problem instead of stopping at the first.
type checker struct{ errs Errors }

func (c *checker) add(path, format string, args ...any) {
	c.errs = append(c.errs, FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// missing reports a required key that no source set.
func (c *checker) missing(path, msg string) {
	c.errs = append(c.errs, FieldError{Path: path, Msg: msg, Missing: true})
}

// Validate checks a merged configuration and returns every problem, each
// with its key path. Lines and sources are added by Effective.Validate.
func Validate(cfg *Config) Errors {
	var c checker
	c.identity(cfg)
	c.join(cfg)
	c.node(cfg)
	c.kubeArgs(cfg)
	c.system(cfg)
	for i, w := range cfg.WriteFiles {
		c.writeFile(fmt.Sprintf("write_files[%d]", i), w)
	}
	c.network("network", cfg.Network)
	for i, s := range cfg.NTP.Servers {
		if !validHostPort(s) {
			c.add(fmt.Sprintf("ntp.servers[%d]", i), "%q is not a host name or IP address, with an optional :port", s)
		}
	}
	c.server(cfg)
	c.bootDeadline(cfg.BootDeadline)
	return c.errs
}

func (c *checker) identity(cfg *Config) {
	if cfg.Hostname != "" && !validHostname(cfg.Hostname) {
		c.add("hostname", "%q is not a valid host name: use letters, digits and '-' in dot-separated labels of at most 63 characters", cfg.Hostname)
	}
	switch cfg.Role {
	case RoleServer, RoleAgent:
	case "":
		c.missing("role", "required: set it to server or agent (outpost.role= on the kernel command line, or role: in the outpost: section of the user-data)")
	default:
		c.add("role", "%q is not a role: use server or agent", cfg.Role)
	}
}

func (c *checker) join(cfg *Config) {
	if cfg.Server != "" {
		u, err := url.Parse(cfg.Server)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			c.add("server", "%q is not a server URL such as https://10.0.0.1:%d", cfg.Server, paths.APIServerPort)
		}
	}
	if cfg.Token != "" && cfg.TokenFile != "" {
		c.add("token_file", "set either token or token_file, not both")
	}
	if cfg.TokenFile != "" && !path.IsAbs(cfg.TokenFile) {
		c.add("token_file", "%q is not an absolute path", cfg.TokenFile)
	}
	if strings.ContainsAny(cfg.Token, " \t\r\n") {
		c.add("token", "contains white space; copy the token without spaces or line breaks")
	}
	if cfg.Role != RoleAgent {
		return
	}
	if cfg.Server == "" {
		c.missing("server", fmt.Sprintf("required for an agent: the URL of the server to join, e.g. https://10.0.0.1:%d", paths.APIServerPort))
	}
	if cfg.Token == "" && cfg.TokenFile == "" {
		c.missing("token", "required for an agent: set token or token_file")
	}
}

var (
	labelNameRE  = regexp.MustCompile(`^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$`)
	labelValueRE = regexp.MustCompile(`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`)
	taintRE      = regexp.MustCompile(`^([^=:]+)(=([^=:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$`)
)

func (c *checker) node(cfg *Config) {
	for k, v := range cfg.NodeLabels {
		p := "node_labels." + k
		if !validQualifiedName(k) {
			c.add(p, "%q is not a label name: [prefix/]name, name at most 63 letters, digits, '-', '_' or '.'", k)
		}
		if len(v) > 63 || !labelValueRE.MatchString(v) {
			c.add(p, "%q is not a label value: at most 63 letters, digits, '-', '_' or '.', starting and ending alphanumeric", v)
		}
	}
	for i, t := range cfg.NodeTaints {
		m := taintRE.FindStringSubmatch(t)
		if m == nil || !validQualifiedName(m[1]) || len(m[3]) > 63 || !labelValueRE.MatchString(m[3]) {
			c.add(fmt.Sprintf("node_taints[%d]", i), "%q is not a taint: use key[=value]:NoSchedule|PreferNoSchedule|NoExecute", t)
		}
	}
	if cfg.NodeIP != "" {
		if _, err := netip.ParseAddr(cfg.NodeIP); err != nil {
			c.add("node_ip", "%q is not an IP address", cfg.NodeIP)
		}
	}
}

func validQualifiedName(s string) bool {
	prefix, name, found := strings.Cut(s, "/")
	if !found {
		name, prefix = prefix, ""
	} else if !validHostname(prefix) {
		return false
	}
	return len(name) <= 63 && labelNameRE.MatchString(name)
}

func (c *checker) kubeArgs(cfg *Config) {
	lists := []struct {
		key  string
		args []string
	}{
		{"kube_apiserver_args", cfg.KubeAPIServerArgs},
		{"kube_controller_manager_args", cfg.KubeControllerManagerArgs},
		{"kube_scheduler_args", cfg.KubeSchedulerArgs},
		{"kubelet_args", cfg.KubeletArgs},
		{"kube_proxy_args", cfg.KubeProxyArgs},
	}
	for _, l := range lists {
		for i, a := range l.args {
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if name == "" || strings.ContainsAny(a, "\n\r\x00") || strings.ContainsAny(name, " \t") {
				c.add(fmt.Sprintf("%s[%d]", l.key, i), "%q is not a flag: use name=value or --name=value", a)
			}
		}
	}
}

var (
	moduleRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	sysctlRE = regexp.MustCompile(`^[a-z0-9_*-]+([./][A-Za-z0-9_*:-]+)*$`)
)

func (c *checker) system(cfg *Config) {
	for i, m := range cfg.Modules {
		if !moduleRE.MatchString(m) {
			c.add(fmt.Sprintf("modules[%d]", i), "%q is not a kernel module name", m)
		}
	}
	for k, v := range cfg.Sysctls {
		p := "sysctls." + k
		if !sysctlRE.MatchString(k) || strings.Contains(k, "..") {
			c.add(p, "%q is not a sysctl name such as net.ipv4.ip_forward", k)
		}
		if strings.ContainsAny(v, "\n\r\x00") {
			c.add(p, "the value must be one line")
		}
	}
	if cfg.DataDir != "" && !path.IsAbs(cfg.DataDir) {
		c.add("data_dir", "%q is not an absolute path", cfg.DataDir)
	}
}

func (c *checker) writeFile(p string, w WriteFile) {
	switch {
	case w.Path == "":
		c.add(p+".path", "required: the absolute path of the file")
	case !path.IsAbs(w.Path) || path.Clean(w.Path) != w.Path:
		c.add(p+".path", "%q is not a clean absolute path", w.Path)
	case underAny(w.Path, "/proc", "/sys", "/dev"):
		c.add(p+".path", "%q is in a kernel file system; use sysctls or modules instead", w.Path)
	}
	if _, err := w.Mode(); err != nil {
		c.add(p+".permissions", "%v", err)
	}
	if _, err := w.Decode(); err != nil {
		c.add(p+".content", "%v", err)
	}
	if w.Owner != "" && w.Owner != "root" && w.Owner != "root:root" && w.Owner != "0:0" {
		c.add(p+".owner", "%q: files are written as root; leave owner out or use root:root", w.Owner)
	}
}

func underAny(p string, dirs ...string) bool {
	for _, d := range dirs {
		if p == d || strings.HasPrefix(p, d+"/") {
			return true
		}
	}
	return false
}

func (c *checker) server(cfg *Config) {
	if cfg.DatastoreEndpoint != "" {
		if cfg.Role == RoleAgent {
			c.add("datastore_endpoint", "only a server has a datastore; remove it or set role: server")
		}
		scheme, _, ok := strings.Cut(cfg.DatastoreEndpoint, "://")
		switch {
		case !ok:
			c.add("datastore_endpoint", "not an endpoint such as postgres://user:pass@host/db, mysql://..., https://etcd:2379 or sqlite://path")
		case scheme != "sqlite" && scheme != "postgres" && scheme != "mysql" && scheme != "http" && scheme != "https" && scheme != "unix":
			c.add("datastore_endpoint", "scheme %q is not one of sqlite, postgres, mysql, http, https, unix", scheme)
		}
	}
	if cfg.ClusterInit && cfg.Role == RoleAgent {
		c.add("cluster_init", "only a server can start a cluster; remove it or set role: server")
	}
	if cfg.SecretsEncryption != nil && cfg.Role == RoleAgent {
		c.add("secrets_encryption", "only a server stores Secrets; remove it or set role: server")
	}
	if cfg.ClusterInit && cfg.DatastoreEndpoint != "" {
		c.add("cluster_init", "embedded etcd (cluster_init) and an external datastore_endpoint exclude each other")
	}
	for i, s := range cfg.TLSSANs {
		if !validHost(s) {
			c.add(fmt.Sprintf("tls_sans[%d]", i), "%q is not a DNS name or IP address", s)
		}
	}
	c.serverNetwork(cfg)
}

// serverNetwork checks the server's CIDRs, addresses and ports.
func (c *checker) serverNetwork(cfg *Config) {
	for key, v := range map[string]string{"cluster_cidr": cfg.ClusterCIDR, "service_cidr": cfg.ServiceCIDR} {
		if _, err := netip.ParsePrefix(v); v != "" && err != nil {
			c.add(key, "%q is not a CIDR such as 10.42.0.0/16", v)
		}
	}
	for key, v := range map[string]string{"cluster_dns": cfg.ClusterDNS, "bind_address": cfg.BindAddress, "advertise_address": cfg.AdvertiseAddress} {
		if _, err := netip.ParseAddr(v); v != "" && err != nil {
			c.add(key, "%q is not an IP address", v)
		}
	}
	for key, v := range map[string]int{"https_listen_port": cfg.HTTPSListenPort, "supervisor_port": cfg.SupervisorPort, "etcd_client_port": cfg.EtcdClientPort, "etcd_peer_port": cfg.EtcdPeerPort} {
		if v < 0 || v > 65535 {
			c.add(key, "%d is not a port (1-65535)", v)
		}
	}
}

var hostLabelRE = regexp.MustCompile(`^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$`)

func validHostname(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if !hostLabelRE.MatchString(label) {
			return false
		}
	}
	return true
}

// validHostPort accepts a host with an optional port: pool.ntp.org,
// ntp.example:1123, 10.0.0.1, [2001:db8::1]:123.
func validHostPort(s string) bool {
	if validHost(s) {
		return true
	}
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return false
	}
	n, err := strconv.Atoi(port)
	return err == nil && n > 0 && n < 65536 && validHost(host)
}

// validHost accepts a host name, an IP address, or a wildcard DNS name.
func validHost(s string) bool {
	if _, err := netip.ParseAddr(s); err == nil {
		return true
	}
	return validHostname(strings.TrimPrefix(s, "*."))
}

func (c *checker) bootDeadline(v string) {
	if v == "" {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < MinBootDeadline {
		c.add("boot_deadline", "%q is not a duration of at least %s: give one such as 15m", v, MinBootDeadline)
	}
}
