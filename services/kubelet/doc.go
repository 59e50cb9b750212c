// Package kubelet runs the upstream kubelet inside the role process with a
// configuration file written by Outpost: x509 and webhook authentication,
// webhook authorization, the cgroupfs driver, containerd's CRI socket, the
// cluster DNS, and serving certificates from the join API.
package kubelet
