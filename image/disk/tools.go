package disk

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// packageOf names the Debian package of each host tool used here.
var packageOf = map[string]string{"mkfs.ext4": "e2fsprogs", "mkfs.fat": "dosfstools", "mmd": "mtools", "mcopy": "mtools", "mtype": "mtools", "mdir": "mtools"}

// run runs a host tool with extra environment and returns its output; a
// failure names the command and what it printed.
func run(ctx context.Context, env []string, name string, args ...string) ([]byte, error) {
	if _, err := exec.LookPath(name); err != nil {
		return nil, fmt.Errorf("%s not found: install Debian's %s (make deps does this)", name, packageOf[name])
	}
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(append(os.Environ(), "MTOOLS_SKIP_CHECK=1"), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
