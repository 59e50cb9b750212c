package config

import (
	"reflect"
	"slices"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Keys are the top-level keys of the configuration, sorted.
func Keys() []string {
	var keys []string
	for k := range yamlFields(reflect.TypeFor[Config]()) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// PID1Keys are the keys PID 1 applies itself (init/stage2): the host, its
// kernel, files, network and clock, and which role runs. Every other key
// is a setting of a role, mapped onto its options by services/server and
// services/agent (a test there checks that each key reaches one).
func PID1Keys() []string {
	return []string{"hostname", "instance_id", "role", "modules", "sysctls", "write_files", "network", "ntp", "node_ip", "boot_deadline"}
}

// flagKeys maps the roles' flag names (as k3s's config.yaml spells them,
// once kebab-case is read as snake_case) to the keys they set.
func flagKeys() map[string]string {
	return map[string]string{
		"tls_san":                     "tls_sans",
		"node_label":                  "node_labels",
		"node_taint":                  "node_taints",
		"kubelet_arg":                 "kubelet_args",
		"kube_proxy_arg":              "kube_proxy_args",
		"kube_apiserver_arg":          "kube_apiserver_args",
		"kube_controller_manager_arg": "kube_controller_manager_args",
		"kube_scheduler_arg":          "kube_scheduler_args",
		"https_port":                  "https_listen_port",
	}
}

// canonicalKey is the key a top-level YAML key names: kebab-case is read
// as snake_case, a role's flag name as its key.
func canonicalKey(k string) string {
	k = strings.ReplaceAll(k, "-", "_")
	if to, ok := flagKeys()[k]; ok {
		return to
	}
	return k
}

// normalize rewrites the top-level keys of the mapping n to their
// canonical names, and reshapes the values a role's flag takes but the key
// does not: one value where a role's list is expected (tls-san: NAME), and
// node labels as a list of KEY=VALUE (node-label: [zone=a]).
func normalize(n *yaml.Node) {
	fields := yamlFields(reflect.TypeFor[Config]())
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		k.Value = canonicalKey(k.Value)
		t, ok := fields[k.Value]
		switch {
		case !ok || v.Kind != yaml.ScalarNode && v.Kind != yaml.SequenceNode || isNull(v):
		case t == reflect.TypeFor[[]string]() && v.Kind == yaml.ScalarNode && !slices.Contains(PID1Keys(), k.Value):
			n.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq", Line: v.Line, Column: v.Column, Content: []*yaml.Node{v}}
		case isStringMap(k.Value) && v.Kind == yaml.SequenceNode && allPairs(v):
			n.Content[i+1] = pairsToMapping(v)
		}
	}
}

// allPairs tells whether every item of seq is a KEY=VALUE scalar; any
// other list is left for the decoder to refuse (a list is no mapping).
func allPairs(seq *yaml.Node) bool {
	for _, item := range seq.Content {
		if item.Kind != yaml.ScalarNode || !strings.Contains(item.Value, "=") {
			return false
		}
	}
	return true
}

// pairsToMapping turns a list of KEY=VALUE scalars into a mapping.
func pairsToMapping(seq *yaml.Node) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map", Line: seq.Line, Column: seq.Column}
	for _, item := range seq.Content {
		key, value, _ := strings.Cut(item.Value, "=")
		m.Content = append(m.Content,
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Line: item.Line, Column: item.Column},
			&yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Line: item.Line, Column: item.Column})
	}
	return m
}
