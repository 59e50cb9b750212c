// Package joinapi is the server's join API (the "supervisor" port, 9345):
// the HTTP handler agents talk to when they join, the node-password store
// it checks claims against, and the client side an agent uses (FetchCA pins
// the server's CA to the token's hash; Client posts CSRs).
//
// Routes:
//
//	GET  /cacerts                            server CA PEM, no auth
//	GET  /ping                               "pong", no auth
//	POST /v1-outpost/serving-kubelet.crt     CSR -> kubelet serving cert (kubelet-ca); not for
//	                                         the server's names and addresses (server token only)
//	                                         nor another registered node's
//	POST /v1-outpost/client-kubelet.crt      CSR -> kubelet client cert (client-ca)
//	GET  /v1-outpost/client-kube-proxy.crt   shared kube-proxy cert + key
//	POST /v1-outpost/client-kube-proxy.crt   CSR -> kube-proxy client cert
//	POST /v1-outpost/client-controller.crt   CSR -> system:outpost-controller:NODE client cert
//	                                         (flannel), group system:outpost-controllers
//	GET  /v1-outpost/client-ca.crt           client CA PEM
//	GET  /v1-outpost/server-ca.crt           server CA PEM
//	GET  /v1-outpost/config                  ClusterConfig JSON
//	GET  /v1-outpost/readyz                  200 once Config.Ready says so
//	GET  /v1-outpost/admin.kubeconfig        admin kubeconfig (server token only);
//	                                         ?server=https://HOST:PORT sets its apiserver URL
//	GET  /v1-outpost/connect                 websocket: the agent's tunnel (services/tunnel),
//	                                         node name and password headers as for CSRs; it
//	                                         carries connections to the Node's registered
//	                                         addresses only
//
// The node routes (kubelet and controller certificates, connect) need the
// node name and password headers; the server's own node name needs the
// server token.
//
// Everything under /v1-outpost/ needs HTTP basic auth with user "server" and
// the server token's secret, or user "node" and the agent (or server)
// token's secret. admin.kubeconfig needs user "server": the agent token
// gets 403, no or a wrong token 401.
package joinapi
