// Package seed writes NoCloud seed images: an ISO9660 volume labelled
// cidata holding user-data, meta-data and, when given, network-config, as
// cloud-init's NoCloud and Outpost's metadata service read them. A user (and
// the end-to-end tests) attach one to a VM as a CD-ROM or write it to a USB
// stick to hand a node its configuration.
package seed

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/diskfs/go-diskfs/backend/file"
	"github.com/diskfs/go-diskfs/filesystem/iso9660"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Label is the volume label NoCloud looks for.
const Label = "cidata"

// MaxFileSize caps each file, as the metadata service does.
const MaxFileSize = 1 << 20

// Files are the contents of the seed. UserData is required; MetaData
// defaults to an instance-id derived from the user-data (cloud-init wants
// the file to exist); NetworkConfig is left out when empty.
type Files struct {
	UserData      []byte
	MetaData      []byte
	NetworkConfig []byte
}

// Write creates the seed image at path, replacing it atomically: it is
// built in a temporary file beside path and renamed into place. The image
// has mode 0600 since user-data may hold the join token.
func Write(path string, files Files) error {
	entries, err := files.entries()
	if err != nil {
		return err
	}
	f, err := atomicfile.Create(path, 0o600)
	if err != nil {
		return fmt.Errorf("seed image: %w", err)
	}
	defer f.Abort()
	if err := build(f.File, entries); err != nil {
		return fmt.Errorf("write seed image %s: %w", path, err)
	}
	return f.Commit()
}

type entry struct {
	name string
	data []byte
}

func (f Files) entries() ([]entry, error) {
	if len(f.UserData) == 0 {
		return nil, errors.New("seed: user-data is required")
	}
	meta := f.MetaData
	if len(meta) == 0 {
		sum := sha256.Sum256(f.UserData)
		meta = fmt.Appendf(nil, "instance-id: iid-outpost-%x\n", sum[:6])
	}
	out := []entry{{"user-data", f.UserData}, {"meta-data", meta}}
	if len(f.NetworkConfig) > 0 {
		out = append(out, entry{"network-config", f.NetworkConfig})
	}
	for _, e := range out {
		if len(e.data) > MaxFileSize {
			return nil, fmt.Errorf("seed: %s is %d bytes, over the %d byte limit", e.name, len(e.data), MaxFileSize)
		}
	}
	return out, nil
}

// build writes the ISO into f. Rock Ridge and Joliet keep the lower-case
// names with dashes that plain ISO9660 cannot hold.
func build(f *os.File, entries []entry) error {
	workspace, err := os.MkdirTemp("", "outpost-seed-")
	if err != nil {
		return fmt.Errorf("create workspace: %w", err)
	}
	defer os.RemoveAll(workspace)
	iso, err := iso9660.Create(file.New(f, false), 0, 0, 2048, workspace)
	if err != nil {
		return fmt.Errorf("create ISO9660: %w", err)
	}
	defer iso.Close()
	for _, e := range entries {
		if err := os.WriteFile(filepath.Join(workspace, e.name), e.data, 0o644); err != nil {
			return fmt.Errorf("stage %s: %w", e.name, err)
		}
	}
	opts := iso9660.FinalizeOptions{RockRidge: true, Joliet: true, VolumeIdentifier: Label}
	if err := iso.Finalize(opts); err != nil {
		return fmt.Errorf("finalize ISO9660: %w", err)
	}
	return nil
}
