package mounts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/paths"
	"golang.org/x/sys/unix"
)

// Root mounts the read-only squashfs root image from dev at target. A
// device that holds no valid squashfs gets an error that says so.
func Root(dev, target string) error {
	m := Mount{Source: dev, Target: target, FSType: "squashfs", Flags: unix.MS_RDONLY | unix.MS_NODEV, Mode: 0o755}
	err := Do(m)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOTBLK) || errors.Is(err, unix.EIO) {
		return fmt.Errorf("%w: %s holds no valid squashfs root image; reflash the image (outpost image build writes rootfs.squashfs)", err, dev)
	}
	return err
}

// Writable gives the read-only root at newRoot its writable parts: /var
// (a tmpfs unless the state partition is mounted there already), a tmpfs
// on /tmp, and /etc as an overlay whose upper layer lives in the tmpfs on
// /run (runDir), so edits to /etc last until the next boot; with a state
// partition, /etc/outpost is bound from paths.KeptEtc on it (the node
// password, saved config and admin kubeconfig) and is kept.
func Writable(newRoot, runDir string, state bool) error {
	table := []Mount{
		{Source: "tmpfs", Target: filepath.Join(newRoot, "tmp"), FSType: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: "mode=1777", Mode: 0o1777},
	}
	if !state {
		table = append(table, Mount{Source: "tmpfs", Target: filepath.Join(newRoot, "var"), FSType: "tmpfs", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: "mode=0755", Mode: 0o755})
	}
	if err := MountAll(table); err != nil {
		return err
	}
	if err := overlayEtc(newRoot, runDir); err != nil {
		return err
	}
	if !state {
		return nil
	}
	return bindKeptEtc(newRoot)
}

func bindKeptEtc(newRoot string) error {
	kept := filepath.Join(newRoot, paths.KeptEtc)
	if err := os.MkdirAll(kept, 0o755); err != nil {
		return fmt.Errorf("keep %s: %w", paths.EtcDir, err)
	}
	return Do(Mount{Source: kept, Target: filepath.Join(newRoot, paths.EtcDir), Flags: unix.MS_BIND, Mode: 0o755})
}

func overlayEtc(newRoot, runDir string) error {
	base := filepath.Join(runDir, "outpost", "overlay", "etc")
	upper, work := filepath.Join(base, "upper"), filepath.Join(base, "work")
	for _, d := range []string{upper, work} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fmt.Errorf("overlay /etc: %w", err)
		}
	}
	lower := filepath.Join(newRoot, "etc")
	data := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower, upper, work)
	return Do(Mount{Source: "overlay", Target: lower, FSType: "overlay", Flags: unix.MS_NOSUID | unix.MS_NODEV, Data: data, Mode: 0o755})
}
