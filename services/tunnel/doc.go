// Package tunnel carries kube-apiserver's connections to kubelets over a
// websocket each agent keeps open to the server (rancher/remotedialer), so
// that `kubectl logs`, `exec`, `attach` and `port-forward` reach a node the
// server cannot dial: one behind NAT or a firewall that lets it out only.
//
// Server side (in `outpost server`):
//   - Server.ServeAgent takes an agent's websocket once the join API has
//     checked its token and node password (GET /v1-outpost/connect), and
//     keys the session by node name with the IP addresses the node reported.
//   - Server.ListenEgress serves an HTTP CONNECT proxy on a unix socket that
//     kube-apiserver's egress selector uses for its "cluster" traffic
//     (WriteEgressConfig writes that configuration). A CONNECT to
//     NODEIP:10250 of a node with a session goes through its tunnel;
//     everything else (the server's own node, nodes without a tunnel,
//     webhooks, services) is dialled directly, as without a proxy.
//
// The tunnel is no open proxy: the server sends through a node's tunnel
// only connections to port 10250 on an address that node reported (or its
// loopback), and the agent side (Client) refuses to dial anything else.
//
// Agent side: Client keeps the websocket open, reconnecting with backoff
// for as long as the agent runs.
package tunnel
