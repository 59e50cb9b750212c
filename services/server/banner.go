package server

import (
	"fmt"
	"io"
	"time"
)

// readyInfo is what the ready message tells.
type readyInfo struct {
	Took                      time.Duration
	Datastore                 string
	Kubeconfig                string
	TokenFile, AgentTokenFile string
	APIServer, JoinAPI        string
}

// printReady tells, once, where the token is and how an agent joins. It
// never prints a secret.
func printReady(out io.Writer, r readyInfo) {
	fmt.Fprintf(out, `outpost server is ready after %s (datastore: %s)
  kube-apiserver:  %s
  join API:        %s
  admin kubeconfig: %s  (outpost kubectl --kubeconfig %s get nodes)
  server token:    %s
  agent token:     %s
  join an agent:   outpost agent --server %s --token-file <a copy of the agent token file>
`, r.Took.Round(10*time.Millisecond), r.Datastore, r.APIServer, r.JoinAPI,
		r.Kubeconfig, r.Kubeconfig, r.TokenFile, r.AgentTokenFile, r.JoinAPI)
}
