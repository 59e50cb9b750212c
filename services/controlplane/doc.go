// Package controlplane runs upstream kube-apiserver, kube-controller-manager
// and kube-scheduler as goroutines of the calling process. Each component is
// built from its exported options, config and Run functions with a context
// the caller owns (never from its cobra command, whose signal handling may
// only be set up once per process), given the arguments k3s gives it, and
// the caller's extra key=value arguments on top.
//
// Start returns once kube-apiserver answers /readyz and the controller-manager
// and scheduler have been started; Wait reports the first component that
// fails, or nil once the context ends and every component has stopped.
package controlplane
