package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// field is one mergeable top-level key: a layer either sets it whole or
// leaves it alone. The maps (node_labels, sysctls) merge per entry instead.
type field struct {
	key    string
	isSet  func(*Config) bool
	copy   func(dst, src *Config)
	render func(*Config) string
}

func mk[T any](key string, p func(*Config) *T, isSet func(T) bool, render func(T) string) field {
	return field{
		key:    key,
		isSet:  func(c *Config) bool { return isSet(*p(c)) },
		copy:   func(dst, src *Config) { *p(dst) = *p(src) },
		render: func(c *Config) string { return render(*p(c)) },
	}
}

func str[T ~string](key string, p func(*Config) *T) field {
	return mk(key, p, func(v T) bool { return v != "" }, func(v T) string { return string(v) })
}

func list(key string, p func(*Config) *[]string) field {
	return mk(key, p, func(v []string) bool { return len(v) > 0 }, func(v []string) string {
		return "[" + strings.Join(v, ", ") + "]"
	})
}

// fields lists the top-level keys in the order `config show` prints them.
func fields() []field {
	return []field{
		str("hostname", func(c *Config) *string { return &c.Hostname }),
		str("instance_id", func(c *Config) *string { return &c.InstanceID }),
		str("role", func(c *Config) *Role { return &c.Role }),
		str("server", func(c *Config) *string { return &c.Server }),
		mk("token", func(c *Config) *string { return &c.Token },
			func(v string) bool { return v != "" }, func(string) string { return Mask }),
		str("token_file", func(c *Config) *string { return &c.TokenFile }),
		list("node_taints", func(c *Config) *[]string { return &c.NodeTaints }),
		str("node_ip", func(c *Config) *string { return &c.NodeIP }),
		str("flannel_iface", func(c *Config) *string { return &c.FlannelIface }),
		list("kube_apiserver_args", func(c *Config) *[]string { return &c.KubeAPIServerArgs }),
		list("kube_controller_manager_args", func(c *Config) *[]string { return &c.KubeControllerManagerArgs }),
		list("kube_scheduler_args", func(c *Config) *[]string { return &c.KubeSchedulerArgs }),
		list("kubelet_args", func(c *Config) *[]string { return &c.KubeletArgs }),
		list("kube_proxy_args", func(c *Config) *[]string { return &c.KubeProxyArgs }),
		list("modules", func(c *Config) *[]string { return &c.Modules }),
		mk("write_files", func(c *Config) *[]WriteFile { return &c.WriteFiles },
			func(v []WriteFile) bool { return len(v) > 0 }, renderWriteFiles),
		mk("network", func(c *Config) *Network { return &c.Network },
			func(v Network) bool { return !v.IsZero() }, renderJSON[Network]),
		mk("ntp", func(c *Config) *NTP { return &c.NTP },
			func(v NTP) bool { return !v.IsZero() }, renderJSON[NTP]),
		str("boot_deadline", func(c *Config) *string { return &c.BootDeadline }),
		mk("datastore_endpoint", func(c *Config) *string { return &c.DatastoreEndpoint },
			func(v string) bool { return v != "" }, redactURL),
		str("datastore_cafile", func(c *Config) *string { return &c.DatastoreCAFile }),
		str("datastore_certfile", func(c *Config) *string { return &c.DatastoreCertFile }),
		str("datastore_keyfile", func(c *Config) *string { return &c.DatastoreKeyFile }),
		port("etcd_client_port", func(c *Config) *int { return &c.EtcdClientPort }),
		port("etcd_peer_port", func(c *Config) *int { return &c.EtcdPeerPort }),
		flag("cluster_init", func(c *Config) *bool { return &c.ClusterInit }),
		mk("secrets_encryption", func(c *Config) **bool { return &c.SecretsEncryption },
			func(v *bool) bool { return v != nil }, func(v *bool) string { return fmt.Sprint(*v) }),
		list("tls_sans", func(c *Config) *[]string { return &c.TLSSANs }),
		str("data_dir", func(c *Config) *string { return &c.DataDir }),
		str("cluster_cidr", func(c *Config) *string { return &c.ClusterCIDR }),
		str("service_cidr", func(c *Config) *string { return &c.ServiceCIDR }),
		str("cluster_dns", func(c *Config) *string { return &c.ClusterDNS }),
		str("cluster_domain", func(c *Config) *string { return &c.ClusterDomain }),
		mk("agent_token", func(c *Config) *string { return &c.AgentToken },
			func(v string) bool { return v != "" }, func(string) string { return Mask }),
		str("agent_token_file", func(c *Config) *string { return &c.AgentTokenFile }),
		flag("disable_agent", func(c *Config) *bool { return &c.DisableAgent }),
		list("disable", func(c *Config) *[]string { return &c.Disable }),
		str("node_name", func(c *Config) *string { return &c.NodeName }),
		str("bind_address", func(c *Config) *string { return &c.BindAddress }),
		str("advertise_address", func(c *Config) *string { return &c.AdvertiseAddress }),
		port("https_listen_port", func(c *Config) *int { return &c.HTTPSListenPort }),
		port("supervisor_port", func(c *Config) *int { return &c.SupervisorPort }),
		str("write_kubeconfig", func(c *Config) *string { return &c.WriteKubeconfig }),
		str("write_kubeconfig_mode", func(c *Config) *string { return &c.WriteKubeconfigMode }),
	}
}

func flag(key string, p func(*Config) *bool) field {
	return mk(key, p, func(v bool) bool { return v }, func(v bool) string { return fmt.Sprint(v) })
}

func port(key string, p func(*Config) *int) field {
	return mk(key, p, func(v int) bool { return v != 0 }, func(v int) string { return fmt.Sprint(v) })
}

// mapFields are the keys merged entry by entry ("node_labels.zone").
func mapFields() map[string]func(*Config) *map[string]string {
	return map[string]func(*Config) *map[string]string{
		"node_labels": func(c *Config) *map[string]string { return &c.NodeLabels },
		"sysctls":     func(c *Config) *map[string]string { return &c.Sysctls },
	}
}

func isStringMap(key string) bool {
	_, ok := mapFields()[key]
	return ok
}

// Mask replaces a secret in every rendering.
const Mask = "********"

func renderJSON[T any](v T) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

func renderWriteFiles(files []WriteFile) string {
	parts := make([]string, len(files))
	for i, f := range files {
		mode := f.Permissions
		if mode == "" {
			mode = fmt.Sprintf("%04o", DefaultFileMode)
		}
		parts[i] = fmt.Sprintf("%s (%s, %d bytes)", f.Path, mode, len(f.Content))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// secretQueryKeys are query parameters of a datastore endpoint that hold
// a secret (libpq's and MySQL drivers' forms).
var secretQueryKeys = []string{"password", "sslpassword", "passwd", "pass"}

// redactURL hides a password in a datastore endpoint such as
// postgres://user:secret@host/db or postgres://host/db?password=secret.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.Contains(s, "@") || strings.Contains(strings.ToLower(s), "pass") {
			return Mask
		}
		return s
	}
	masked := false
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			masked = true
		}
	}
	q := u.Query()
	for key := range q {
		if slices.Contains(secretQueryKeys, strings.ToLower(key)) {
			q.Set(key, "xxxxx")
			masked = true
		}
	}
	out := s
	if masked {
		u.RawQuery = q.Encode()
		out = strings.ReplaceAll(u.String(), "xxxxx", Mask)
	}
	if leaksSecret(out) {
		return Mask // a form the parse above did not take apart
	}
	return out
}

// leaksSecret tells whether s still holds KEY=VALUE for a secret key with
// a value other than Mask.
func leaksSecret(s string) bool {
	lower := strings.ToLower(s)
	for _, key := range secretQueryKeys {
		for i := strings.Index(lower, key+"="); i >= 0; {
			if !strings.HasPrefix(lower[i+len(key)+1:], Mask) {
				return true
			}
			next := strings.Index(lower[i+1:], key+"=")
			if next < 0 {
				break
			}
			i += 1 + next
		}
	}
	return false
}
