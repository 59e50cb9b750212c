// Package flannel runs flannel's vxlan backend inside the role process with
// the Kubernetes subnet manager (each node's pod CIDR comes from its Node
// object), keeps its iptables masquerade and forward rules, and writes the
// node's CNI configuration (bridge and host-local on the node's subnet,
// portmap) once the subnet is known.
package flannel
