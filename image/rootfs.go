package image

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/atomicfile"
	"github.com/outpost-os/outpost/services/paths"
)

// rootSkeleton lays out the root image: the binary, /sbin/init, the mount
// points and a minimal /etc.
func rootSkeleton(dir string, o Options) error {
	for _, d := range []string{"proc", "sys", "dev", "run", "var", "tmp", paths.EtcDir, "usr/bin", paths.LibDir, "sbin", paths.Images, "root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyFile(o.Binary, filepath.Join(dir, paths.Binary)); err != nil {
		return fmt.Errorf("root image binary: %w", err)
	}
	// PID 1, the kernel's modprobe and the debug console run the small
	// build (no Kubernetes: a few MB instead of hundreds resident); the role
	// process runs the full one.
	if err := copyFile(o.InitBinary, filepath.Join(dir, paths.InitBinary[1:])); err != nil {
		return fmt.Errorf("root image init binary: %w", err)
	}
	for _, link := range []string{"sbin/init", "sbin/modprobe"} {
		if err := os.Symlink("../"+paths.InitBinary[1:], filepath.Join(dir, link)); err != nil {
			return err
		}
	}
	if err := os.Symlink(filepath.Base(paths.Binary), filepath.Join(dir, "usr/bin/kubectl")); err != nil {
		return err
	}
	// containerd runs the runtime build, its shim the shim build
	// (containerd finds the shim by name in PATH).
	for path, bin := range map[string]string{paths.RuntimeBinary: o.RuntimeBinary, paths.ShimBinary: o.ShimBinary} {
		if err := copyFile(bin, filepath.Join(dir, path[1:])); err != nil {
			return fmt.Errorf("root image %s: %w", path, err)
		}
		if err := os.Symlink("../lib/outpost/"+filepath.Base(path), filepath.Join(dir, "usr/bin", filepath.Base(path))); err != nil {
			return err
		}
	}
	return writeFiles(dir, etcFiles(o.Board.Name, o.Version))
}

// etcFiles are the root image's /etc. os-release's PRETTY_NAME is what the
// kubelet reports as the node's OS image (kubectl get nodes -o wide).
func etcFiles(boardName, version string) map[string]string {
	return map[string]string{
		"etc/os-release":    "NAME=Outpost\nID=outpost\nVERSION=\"" + version + "\"\nVERSION_ID=\"" + version + "\"\nPRETTY_NAME=\"Outpost " + version + "\"\nVARIANT_ID=" + boardName + "\nHOME_URL=\"https://github.com/outpost-os/outpost\"\n",
		"etc/hostname":      "outpost\n",
		"etc/hosts":         "127.0.0.1 localhost\n::1 localhost\n",
		"etc/passwd":        "root:x:0:0:root:/root:" + paths.Binary + "\nnobody:x:65534:65534:nobody:/nonexistent:" + paths.Binary + "\n",
		"etc/group":         "root:x:0:\ntty:x:5:\nnogroup:x:65534:\n",
		"etc/nsswitch.conf": "hosts: files dns\n",
		"etc/resolv.conf":   "",
	}
}

func writeFiles(dir string, files map[string]string) error {
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// copyFile copies src to dst through a temporary file, keeping the mode.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := atomicfile.Create(dst, st.Mode().Perm())
	if err != nil {
		return err
	}
	defer out.Abort()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	return out.Commit()
}
