package image

import (
	"context"
	"path/filepath"

	"github.com/outpost-os/outpost/image/airgap"
	"github.com/outpost-os/outpost/image/deb"
	"github.com/outpost-os/outpost/image/userland"
	"github.com/outpost-os/outpost/services/paths"
)

// nodeFiles is what a node runs besides Outpost, as recorded in the
// manifest.
type nodeFiles struct {
	packages []deb.Package
	images   []airgap.Archive
}

// addNodeFiles puts into the root folder dir the Debian packages a node
// runs (runc, iptables, CNI plugins, mount) and the container images built
// from source (paths.Images).
func addNodeFiles(ctx context.Context, o Options, dir string) (nodeFiles, error) {
	set, err := userland.Fetch(ctx, o.Board.DebArch, o.Cache)
	if err != nil {
		return nodeFiles{}, err
	}
	busybox, err := set.File("busybox-static", "bin/busybox")
	if err != nil {
		return nodeFiles{}, err
	}
	ao := airgap.Options{Source: o.Source, Arch: o.Board.GoArch, Cache: o.Cache, Busybox: busybox}
	archives, err := airgap.Build(ctx, ao, filepath.Join(dir, paths.Images[1:]))
	if err != nil {
		return nodeFiles{}, err
	}
	if err := set.Install(dir); err != nil {
		return nodeFiles{}, err
	}
	return nodeFiles{packages: set.Packages(), images: archives}, nil
}
