package image

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/image/deb"
	"github.com/outpost-os/outpost/services/paths"
)

// bootFiles are what a disk boots with besides the kernel, from Debian:
// systemd-boot for the board's UEFI architecture, and the static e2fsck
// stage 1 checks the state partition with (static, so the initramfs
// needs no C library).
type bootFiles struct {
	loader   string
	e2fsck   string
	packages []deb.Package
}

func fetchBootFiles(ctx context.Context, b board.Board, cache string) (bootFiles, error) {
	var bf bootFiles
	want := []struct {
		pkg, path string
		dst       *string
	}{
		{"systemd-boot-efi", "usr/lib/systemd/boot/efi/systemd-boot" + b.EFI.Arch + ".efi", &bf.loader},
		{"e2fsck-static", "sbin/e2fsck.static", &bf.e2fsck},
	}
	for _, w := range want {
		p, err := deb.Resolve(ctx, w.pkg, b.DebArch)
		if err != nil {
			return bf, err
		}
		p, dir, err := deb.Unpack(ctx, p, cache)
		if err != nil {
			return bf, err
		}
		*w.dst = filepath.Join(dir, w.path)
		if _, err := os.Stat(*w.dst); err != nil {
			return bf, fmt.Errorf("package %s %s lacks %s: %w", p.Name, p.Version, w.path, err)
		}
		bf.packages = append(bf.packages, p)
	}
	return bf, nil
}

// e2fsckConf tells e2fsck that an edge box's clock may be wrong at boot
// (no RTC battery, no NTP yet): a last-mount time in the future is no
// reason to stop a check.
const e2fsckConf = "[options]\n\tbroken_system_clock = 1\n"

// addStateTools puts e2fsck, the /etc/mtab it reads and the gzipped
// state template into the initramfs folder dir.
func addStateTools(dir string, bf bootFiles, state string) error {
	if err := os.MkdirAll(filepath.Join(dir, "sbin"), 0o755); err != nil {
		return err
	}
	if err := copyFile(bf.e2fsck, filepath.Join(dir, paths.E2fsck[1:])); err != nil {
		return fmt.Errorf("initramfs e2fsck: %w", err)
	}
	if err := os.Symlink("../proc/self/mounts", filepath.Join(dir, "etc/mtab")); err != nil {
		return fmt.Errorf("initramfs /etc/mtab: %w", err)
	}
	return gzipFile(state, filepath.Join(dir, paths.StateTemplate[1:]))
}

// gzipFile compresses src into dst (no name or time in the header, so the
// output depends on the content only).
func gzipFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(out, gzip.BestCompression)
	if err != nil {
		out.Close()
		return err
	}
	_, err = io.Copy(zw, in)
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("compress %s: %w", src, err)
	}
	return nil
}
