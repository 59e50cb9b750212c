package vm

import (
	"fmt"

	"github.com/outpost-os/outpost/services/baked"
)

// ServerConfig makes a server node named hostname with a static address
// on QEMU's user network (its DHCP gives no router under restrict=on, and
// the node wants a default route) and, when clusterIP is set, a second
// interface on the VMs' socket network that the cluster runs over.
func ServerConfig(hostname, secret, clusterIP string) string {
	c := fmt.Sprintf(`#cloud-config
hostname: %s
outpost:
  role: server
  token: %s
`, hostname, secret)
	return c + NetworkConfig(clusterIP)
}

// NetworkConfig is the outpost.network section of ServerConfig.
func NetworkConfig(clusterIP string) string {
	c := `  network:
    interfaces:
      - name: eth0
        addresses: [10.0.2.15/24]
        gateway: 10.0.2.2
`
	if clusterIP == "" {
		return c
	}
	return c + fmt.Sprintf(`      - name: eth1
        addresses: [%s/24]
  node_ip: %s
`, clusterIP, clusterIP)
}

// Workload is a Deployment of the baked test image and its ClusterIP
// Service; nodeSelector, when set, pins it to a node.
func Workload(name string, replicas int, nodeSelector string) string {
	sel := ""
	if nodeSelector != "" {
		sel = "      nodeSelector:\n        kubernetes.io/hostname: " + nodeSelector + "\n"
	}
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
%[4]s      containers:
      - name: web
        image: %[3]s
        imagePullPolicy: Never
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: %[1]s
spec:
  selector: {app: %[1]s}
  ports: [{port: 80, targetPort: 8080}]
`, name, replicas, baked.Workload, sel)
}
