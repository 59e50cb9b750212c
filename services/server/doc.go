// Package server is the server role of Outpost (`outpost server`): its
// flags and the server keys of /etc/outpost/config.yaml, the handling of
// secrets given on the command line, the checks of the data directory and
// ports, and the bootstrap order: PKI, tokens, datastore, kube-apiserver
// (waited on /readyz), controller-manager and scheduler, join API, admin
// kubeconfig. Any part failing ends the role with an error naming it.
package server
