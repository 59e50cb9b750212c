package vm

import "time"

// KubeconfigArgs are the arguments of `outpost kubeconfig` that fetch an
// admin kubeconfig from the join API at join with the server token in
// tokenFile and write it to out; apiServer, when not empty, is the
// apiserver URL written into it (a port forward's, not the node's own).
func KubeconfigArgs(join, tokenFile, apiServer, out string) []string {
	args := []string{"kubeconfig", "--server", join, "--token-file", tokenFile}
	if apiServer != "" {
		args = append(args, "--api-server", apiServer)
	}
	return append(args, "--out", out)
}

// Kubectl runs the kubectl built into the outpost binary bin with
// kubeconfig and args, within timeout, and returns its output.
func Kubectl(timeout time.Duration, bin, kubeconfig string, args ...string) (string, error) {
	return Run(timeout, bin, append([]string{"kubectl", "--kubeconfig", kubeconfig}, args...)...)
}
