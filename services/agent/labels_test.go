package agent

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestSplitLabels(t *testing.T) {
	in := []string{
		"topology.kubernetes.io/zone=shop-12",        // allowed to the kubelet
		"node-role.kubernetes.io/worker=true",        // refused by the kubelet
		"example.com/tier=edge",                      // not reserved
		"kubernetes.io/hostname=x",                   // allowed
		"sub.node.kubernetes.io/gpu=yes",             // allowed namespace
		"team.k8s.io/owner=ops",                      // refused
		"node-role.kubernetes.io/control-plane=true", // refused
		"plain=1",
	}
	kubelet, api := splitLabels(in)
	wantKubelet := []string{"topology.kubernetes.io/zone=shop-12", "example.com/tier=edge", "kubernetes.io/hostname=x", "sub.node.kubernetes.io/gpu=yes", "plain=1"}
	wantAPI := []string{"node-role.kubernetes.io/worker=true", "team.k8s.io/owner=ops", "node-role.kubernetes.io/control-plane=true"}
	if !slices.Equal(kubelet, wantKubelet) || !slices.Equal(api, wantAPI) {
		t.Fatalf("splitLabels = %q, %q; want %q, %q", kubelet, api, wantKubelet, wantAPI)
	}
}

func TestLabelPatch(t *testing.T) {
	b, err := labelPatch([]string{"node-role.kubernetes.io/worker=true", "team.k8s.io/owner="})
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Metadata struct{ Labels map[string]string } `json:"metadata"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Metadata.Labels) != 2 || p.Metadata.Labels["node-role.kubernetes.io/worker"] != "true" {
		t.Fatalf("patch %s", b)
	}
	if v, ok := p.Metadata.Labels["team.k8s.io/owner"]; !ok || v != "" {
		t.Fatalf("empty value lost: %s", b)
	}
}
