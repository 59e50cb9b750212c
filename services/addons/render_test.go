package addons

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/outpost-os/outpost/services/baked"
	"github.com/outpost-os/outpost/services/joinapi"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var testValues = Values{ClusterDNS: "10.43.0.10", ClusterDomain: "cluster.local"}

func find(t *testing.T, objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the manifest", kind, name)
	return nil
}

func str(t *testing.T, o *unstructured.Unstructured, path ...string) string {
	t.Helper()
	v, _, err := unstructured.NestedString(o.Object, path...)
	if err != nil {
		t.Fatalf("%s %s: %v", o.GetKind(), strings.Join(path, "."), err)
	}
	return v
}

func TestRenderCoreDNS(t *testing.T) {
	objs, err := Render(CoreDNS, testValues)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	if want := []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Deployment", "Service"}; !slices.Equal(kinds, want) {
		t.Errorf("kinds %v, want %v (in apply order)", kinds, want)
	}

	svc := find(t, objs, "Service", "kube-dns")
	if svc.GetNamespace() != "kube-system" || str(t, svc, "spec", "clusterIP") != "10.43.0.10" {
		t.Errorf("kube-dns service: namespace %q clusterIP %q", svc.GetNamespace(), str(t, svc, "spec", "clusterIP"))
	}
	ports, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	var got []string
	for _, p := range ports {
		m := p.(map[string]any)
		got = append(got, fmt.Sprintf("%s/%d", m["protocol"], m["port"]))
	}
	if !slices.Equal(got, []string{"UDP/53", "TCP/53", "TCP/9153"}) {
		t.Errorf("service ports %v", got)
	}

	dep := find(t, objs, "Deployment", "coredns")
	if r, _, _ := unstructured.NestedInt64(dep.Object, "spec", "replicas"); r != 1 {
		t.Errorf("replicas %d", r)
	}
	containers, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "containers")
	c := containers[0].(map[string]any)
	if c["image"] != baked.CoreDNS || c["imagePullPolicy"] != "Never" {
		t.Errorf("image %v pull policy %v, want %s never pulled", c["image"], c["imagePullPolicy"], baked.CoreDNS)
	}
	if p := str(t, dep, "spec", "template", "spec", "priorityClassName"); p != "system-cluster-critical" {
		t.Errorf("priority class %q", p)
	}
	tols, _, _ := unstructured.NestedSlice(dep.Object, "spec", "template", "spec", "tolerations")
	var keys []string
	for _, tol := range tols {
		keys = append(keys, tol.(map[string]any)["key"].(string))
	}
	for _, k := range []string{"CriticalAddonsOnly", "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master"} {
		if !slices.Contains(keys, k) {
			t.Errorf("no toleration of %s", k)
		}
	}

	corefile := str(t, find(t, objs, "ConfigMap", "coredns"), "data", "Corefile")
	for _, want := range []string{"kubernetes cluster.local in-addr.arpa ip6.arpa", "forward . /etc/resolv.conf", "cache 30", "loop", "reload", "health", "ready", "errors"} {
		if !strings.Contains(corefile, want) {
			t.Errorf("Corefile lacks %q", want)
		}
	}

	rules, _, _ := unstructured.NestedSlice(find(t, objs, "ClusterRole", "system:coredns").Object, "rules")
	var res []string
	for _, r := range rules {
		for _, x := range r.(map[string]any)["resources"].([]any) {
			res = append(res, x.(string))
		}
	}
	for _, want := range []string{"endpoints", "endpointslices", "services", "pods", "namespaces"} {
		if !slices.Contains(res, want) {
			t.Errorf("ClusterRole lacks %s", want)
		}
	}
}

func TestRenderValues(t *testing.T) {
	objs, err := Render(CoreDNS, Values{ClusterDNS: "10.96.0.10", ClusterDomain: "edge.example", Image: "registry.local/coredns:9"})
	if err != nil {
		t.Fatal(err)
	}
	if ip := str(t, find(t, objs, "Service", "kube-dns"), "spec", "clusterIP"); ip != "10.96.0.10" {
		t.Errorf("clusterIP %q", ip)
	}
	if cf := str(t, find(t, objs, "ConfigMap", "coredns"), "data", "Corefile"); !strings.Contains(cf, "kubernetes edge.example in-addr.arpa") {
		t.Errorf("domain not in the Corefile:\n%s", cf)
	}
	for name, v := range map[string]Values{
		"bad IP":        {ClusterDNS: "10.43.0", ClusterDomain: "cluster.local"},
		"bad domain":    {ClusterDNS: "10.43.0.10", ClusterDomain: "cluster.local\n  evil: yes"},
		"bad image":     {ClusterDNS: "10.43.0.10", ClusterDomain: "cluster.local", Image: "x\ny: z"},
		"missing value": {},
	} {
		if _, err := Render(CoreDNS, v); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
	if _, err := Render("traefik", testValues); err == nil {
		t.Error("an unknown add-on rendered")
	}
}

func TestEnabled(t *testing.T) {
	for _, c := range []struct {
		disabled, enabled, unknown []string
	}{
		{nil, []string{"coredns"}, nil},
		{[]string{"coredns"}, nil, nil},
		{[]string{"traefik,coredns"}, nil, []string{"traefik"}},
		{[]string{"servicelb", " "}, []string{"coredns"}, []string{"servicelb"}},
	} {
		en, un := Enabled(c.disabled)
		if !slices.Equal(en, c.enabled) || !slices.Equal(un, c.unknown) {
			t.Errorf("Enabled(%q) = %q, %q; want %q, %q", c.disabled, en, un, c.enabled, c.unknown)
		}
	}
}

func TestRenderRBACBindsTheControllersToTheirOwnNode(t *testing.T) {
	objs, err := Render(RBAC, testValues)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
	}
	if !slices.Equal(kinds, []string{"ClusterRole", "ClusterRoleBinding", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}) {
		t.Fatalf("objects: %v", kinds)
	}
	subjects, _, _ := unstructured.NestedSlice(objs[1].Object, "subjects")
	if len(subjects) != 1 || subjects[0].(map[string]any)["name"] != joinapi.ControllerGroup || subjects[0].(map[string]any)["kind"] != "Group" {
		t.Errorf("binding subjects %v", subjects)
	}
	cond, _, _ := unstructured.NestedSlice(objs[2].Object, "spec", "matchConditions")
	val, _, _ := unstructured.NestedSlice(objs[2].Object, "spec", "validations")
	if len(cond) != 1 || !strings.Contains(cond[0].(map[string]any)["expression"].(string), joinapi.ControllerGroup) ||
		len(val) != 1 || !strings.Contains(val[0].(map[string]any)["expression"].(string), "'"+joinapi.ControllerUserPrefix+"' + request.name") {
		t.Errorf("policy %v %v", cond, val)
	}
	if enabled, _ := Enabled([]string{"coredns"}); len(enabled) != 0 {
		t.Errorf("enabled after --disable coredns: %v (the role is not an optional add-on)", enabled)
	}
}
