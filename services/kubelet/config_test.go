package kubelet

import (
	"slices"
	"strings"
	"testing"

	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

func testConfig() Config {
	return Config{
		NodeName: "edge-1", NodeIP: "192.0.2.7", Kubeconfig: "/a/kubelet.kubeconfig",
		ClientCA: "/a/client-ca.crt", ServingCert: "/a/s.crt", ServingKey: "/a/s.key",
		RuntimeEndpoint: "unix:///run/outpost/containerd/containerd.sock", ClusterDNS: "10.43.0.10",
		ClusterDomain: "cluster.local", RootDir: "/var/lib/kubelet", ConfigFile: "/a/kubelet.yaml",
		ResolvConf: "/etc/resolv.conf", Labels: []string{"site=shop-12", "a=b"},
		Taints: []string{"edge=true:NoSchedule"}, ExtraArgs: []string{"max-pods=50"},
	}
}

func TestConfigurationIsLockedDown(t *testing.T) {
	data, err := testConfig().Render()
	if err != nil {
		t.Fatal(err)
	}
	var kc kubeletv1beta1.KubeletConfiguration
	if err := yaml.UnmarshalStrict(data, &kc); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if kc.Kind != "KubeletConfiguration" || *kc.Authentication.Anonymous.Enabled || !*kc.Authentication.Webhook.Enabled ||
		kc.Authentication.X509.ClientCAFile != "/a/client-ca.crt" || kc.Authorization.Mode != "Webhook" {
		t.Errorf("authentication/authorization: %+v %+v", kc.Authentication, kc.Authorization)
	}
	if kc.Port != 10250 || kc.ReadOnlyPort != 0 || kc.CgroupDriver != "cgroupfs" || kc.HealthzBindAddress != "127.0.0.1" {
		t.Errorf("ports and cgroups: port %d readOnlyPort %d driver %q healthz %q", kc.Port, kc.ReadOnlyPort, kc.CgroupDriver, kc.HealthzBindAddress)
	}
	if !slices.Equal(kc.ClusterDNS, []string{"10.43.0.10"}) || kc.ContainerRuntimeEndpoint != testConfig().RuntimeEndpoint {
		t.Errorf("DNS %v runtime %q", kc.ClusterDNS, kc.ContainerRuntimeEndpoint)
	}
}

func TestArgsCarryIdentityLabelsAndExtras(t *testing.T) {
	args := strings.Join(testConfig().Args(), " ")
	for _, want := range []string{"--config=/a/kubelet.yaml", "--hostname-override=edge-1", "--node-ip=192.0.2.7",
		"--node-labels=a=b,site=shop-12", "--register-with-taints=edge=true:NoSchedule", "--max-pods=50"} {
		if !strings.Contains(args, want) {
			t.Errorf("args lack %q: %s", want, args)
		}
	}
	if strings.Index(args, "--max-pods") < strings.Index(args, "--root-dir") {
		t.Error("extra arguments must come last, so they win")
	}
}
