// Package addons deploys the cluster add-ons the server runs for every
// cluster (the k3s server/manifests idea, kept small): manifests embedded
// in the binary under manifests/, rendered with text/template from the
// server's options, and applied with server-side apply as field manager
// "outpost" every time the server starts. Today that is CoreDNS
// (manifests/coredns.yaml); `outpost server --disable coredns` leaves it
// out.
package addons
