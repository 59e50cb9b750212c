// Package kubeconfig writes kubeconfig files (the admin kubeconfig for
// people and kubectl, certificates embedded, mode 0600 by default; the
// component kubeconfigs of the control plane, certificates by path) and
// makes clients from them. Files are replaced atomically.
package kubeconfig
