package metadata

import (
	"io/fs"

	"github.com/outpost-os/outpost/services/config"
	"github.com/outpost-os/outpost/services/volume"
)

// readLabelled finds the volume with label, opens it (mounted read-only at
// mountDir, or read in user space) and decodes it with read. No such volume
// gives no layer and no error; the layer's origin is the device.
func readLabelled(sysRoot, devRoot, mountDir, label string, read func(fs.FS) (*config.Layer, error)) (*config.Layer, error) {
	v, err := volume.Find(sysRoot, devRoot, label)
	if err != nil || v == nil {
		return nil, err
	}
	fsys, release, err := volume.Open(v, mountDir)
	if err != nil {
		return nil, err
	}
	defer release()
	l, err := read(fsys)
	if err != nil {
		return nil, withOrigin(err, v.Device)
	}
	l.Origin = v.Device
	return l, nil
}
