// Package nodewait waits for this node's Node object to reach the state
// the next node component needs before it starts: registered with an
// address (kube-proxy, which exits its process if the addresses it saw at
// start change later) or given a pod CIDR (flannel, whose lease gives up
// after a short wait), or Ready (the mark that a new slot booted well).
package nodewait
