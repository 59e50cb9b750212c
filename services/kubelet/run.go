package kubelet

import (
	"context"
	"fmt"

	kubeletapp "k8s.io/kubernetes/cmd/kubelet/app"
)

// Run writes the configuration and runs the kubelet until ctx ends or it
// fails. It blocks. The caller must let the process's upstream components
// share one logging configuration (see package agent).
func Run(ctx context.Context, c Config) error {
	if err := c.Write(); err != nil {
		return err
	}
	cmd := kubeletapp.NewKubeletCommand(ctx)
	cmd.SetArgs(c.Args())
	if err := cmd.ExecuteContext(ctx); err != nil {
		return fmt.Errorf("kubelet: %w", err)
	}
	return ctx.Err()
}
