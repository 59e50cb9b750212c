package containerd

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
)

// ImportCommand is the runtime build's command that imports image
// archives: `outpost images-import --address SOCKET FOLDER|ARCHIVE...`.
const ImportCommand = "images-import"

// Import imports every *.tar archive in dirs (folders that do not exist are
// skipped) into containerd's k8s.io namespace for this node's platform,
// unpacked and pinned, by running the runtime build's images-import command
// against socket. It prints one line per image on stdout. An archive that
// cannot be imported does not stop the others; the error names each one
// that failed. Run it once containerd is ready and before the kubelet
// starts; running it again is harmless.
func Import(ctx context.Context, runtimeBinary, socket string, dirs ...string) error {
	cmd := exec.CommandContext(ctx, runtimeBinary, append([]string{ImportCommand, "--address", socket}, dirs...)...)
	// Started as "outpost", the binary runs the command named by its first
	// argument; as containerd (its name on a node) it would be the daemon.
	cmd.Args[0] = "outpost"
	var stderr bytes.Buffer
	cmd.Stdout = os.Stdout
	cmd.Stderr = io.MultiWriter(os.Stderr, &stderr)
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		msg = strings.TrimPrefix(msg, "outpost "+ImportCommand+": ")
		if msg == "" {
			msg = err.Error()
		}
		return fmt.Errorf("import images from %s: %s", strings.Join(dirs, ", "), msg)
	}
	return nil
}
