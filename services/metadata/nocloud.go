package metadata

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"strings"

	"github.com/outpost-os/outpost/services/cloudinit"
	"github.com/outpost-os/outpost/services/config"
)

// NoCloudLabel is the volume label cloud-init's NoCloud looks for
// (compared without case: CIDATA on vfat).
const NoCloudLabel = "cidata"

// NoCloudSource is cloud-init's NoCloud: a seed URL given on the kernel
// command line (ds=nocloud;s=URL), else a volume labelled cidata.
type NoCloudSource struct {
	Cmdline  string
	SysRoot  string
	DevRoot  string
	MountDir string
	HTTP     *http.Client
}

// Name implements Source.
func (s *NoCloudSource) Name() string { return config.SourceNoCloud }

// NeedsNetwork implements Networked: true when a seed URL is given.
func (s *NoCloudSource) NeedsNetwork() bool {
	seed := s.seed()
	return seed != nil && seed.URL != ""
}

func (s *NoCloudSource) seed() *NoCloudSeed {
	c, err := readCmdline(s.Cmdline)
	if err != nil {
		return nil
	}
	return c.NoCloud
}

// Fetch implements Source.
func (s *NoCloudSource) Fetch(ctx context.Context) (*config.Layer, error) {
	seed := s.seed()
	if seed != nil && seed.URL != "" {
		return FetchNoCloudSeed(ctx, s.HTTP, seed)
	}
	l, err := s.fromVolume(seed)
	if l == nil && err == nil && seed != nil {
		l = seedLayer(seed) // ds=nocloud;h=...;i=... alone
	}
	return l, err
}

func (s *NoCloudSource) fromVolume(seed *NoCloudSeed) (*config.Layer, error) {
	return readLabelled(s.SysRoot, s.DevRoot, s.MountDir, NoCloudLabel, func(fsys fs.FS) (*config.Layer, error) {
		f, err := readNoCloudFiles(fsys)
		if err != nil {
			return nil, err
		}
		return decodeNoCloud(f, seed)
	})
}

// seedLayer holds h= and i= of ds=nocloud.
func seedLayer(seed *NoCloudSeed) *config.Layer {
	l := config.LayerOf(config.SourceNoCloud, config.Config{Hostname: seed.Hostname, InstanceID: seed.InstanceID})
	if l.Empty() {
		return nil
	}
	l.Origin = "ds= on the kernel command line"
	return l
}

// noCloudFiles reads a NoCloud seed's files; each may be missing.
type noCloudFiles struct {
	metaData, userData, networkConfig []byte
}

// ReadNoCloud reads meta-data, user-data and network-config from the root
// of fsys (a mounted cidata volume, or a directory in tests). Missing files
// are fine; the user-data wins over network-config, which wins over
// meta-data.
func ReadNoCloud(fsys fs.FS) (*config.Layer, error) {
	f, err := readNoCloudFiles(fsys)
	if err != nil {
		return nil, err
	}
	return decodeNoCloud(f, nil)
}

func readNoCloudFiles(fsys fs.FS) (noCloudFiles, error) {
	var f noCloudFiles
	for name, dst := range map[string]*[]byte{"meta-data": &f.metaData, "user-data": &f.userData, "network-config": &f.networkConfig} {
		data, err := readOptional(fsys, name)
		if err != nil {
			return f, err
		}
		*dst = data
	}
	return f, nil
}

// decodeNoCloud layers, lowest first: meta-data, the ds= keys of the
// kernel command line, network-config, user-data.
func decodeNoCloud(f noCloudFiles, seed *NoCloudSeed) (*config.Layer, error) {
	l := config.NewLayer(config.SourceNoCloud)
	var errs []error
	add := func(name string, data []byte, parse func(string, []byte) (*config.Layer, error)) {
		if data == nil {
			return
		}
		part, err := parse(config.SourceNoCloud, data)
		if err != nil {
			errs = append(errs, fileErr(name, err))
			return
		}
		if part != nil {
			l.Overlay(part)
		}
	}
	add("meta-data", f.metaData, ParseMetaData)
	if seed != nil {
		if sl := seedLayer(seed); sl != nil {
			l.Overlay(sl)
		}
	}
	add("network-config", f.networkConfig, cloudinit.ParseNetworkConfig)
	add("user-data", f.userData, cloudinit.DecodeUserData)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if f.metaData == nil && f.userData == nil && f.networkConfig == nil {
		l.Warnings = append(l.Warnings, config.Warning{Source: config.SourceNoCloud, Msg: "the seed has none of meta-data, user-data, network-config"})
	}
	return l, nil
}

// fileErr names the file in front of each error.
func fileErr(name string, err error) error {
	var es config.Errors
	if errors.As(err, &es) {
		out := make(config.Errors, len(es))
		for i, e := range es {
			e.Source = strings.TrimSpace(e.Source + " " + name)
			out[i] = e
		}
		return out
	}
	if strings.HasPrefix(err.Error(), name) {
		return err
	}
	return fmt.Errorf("%s: %w", name, err)
}

// readOptional reads a file of at most config.MaxSize; a missing file is
// (nil, nil).
func readOptional(fsys fs.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > config.MaxSize {
		return nil, fmt.Errorf("%s: %d bytes is over the %d byte limit", name, st.Size(), config.MaxSize)
	}
	data, err := readAllLimit(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// metaData is NoCloud's meta-data (YAML or JSON).
type metaData struct {
	InstanceID    string `yaml:"instance-id"`
	LocalHostname string `yaml:"local-hostname"`
	Hostname      string `yaml:"hostname"`
	NetIfaces     any    `yaml:"network-interfaces"`
}

// ParseMetaData reads NoCloud meta-data: instance-id and local-hostname
// (or hostname). Other keys are ignored, as cloud-init does.
func ParseMetaData(source string, data []byte) (*config.Layer, error) {
	root, err := config.ParseYAML(source, data)
	if err != nil || root == nil {
		return config.NewLayer(source), err
	}
	var md metaData
	if err := root.Decode(&md); err != nil {
		return nil, cloudinit.NetErr(source, root.Line, "", err)
	}
	l := config.LayerOf(source, config.Config{InstanceID: md.InstanceID, Hostname: firstNonEmpty(md.LocalHostname, md.Hostname)})
	for _, key := range []string{"instance-id", "local-hostname", "hostname"} {
		if n := cloudinit.MapValue(root, key); n != nil {
			l.Lines[metaKey(key)] = n.Line
		}
	}
	if md.NetIfaces != nil {
		l.Warnings = append(l.Warnings, config.Warning{Source: source, Path: "network-interfaces", Msg: "ENI network settings in meta-data are not supported, ignored; use network-config"})
	}
	return l, nil
}

func metaKey(key string) string {
	if key == "instance-id" {
		return "instance_id"
	}
	return "hostname"
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

// FetchNoCloudSeed reads meta-data, user-data and network-config from a
// seed URL (http or https; the files are URL + name). A missing file (404)
// is fine, but at least one of meta-data and user-data must be there.
func FetchNoCloudSeed(ctx context.Context, client *http.Client, seed *NoCloudSeed) (*config.Layer, error) {
	seedURL := seed.URL
	u, err := url.Parse(seedURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("seed URL %q: only http:// and https:// URLs are supported", seedURL)
	}
	base := strings.TrimSuffix(seedURL, "/") + "/"
	var f noCloudFiles
	for name, dst := range map[string]*[]byte{"meta-data": &f.metaData, "user-data": &f.userData, "network-config": &f.networkConfig} {
		data, found, err := getOptional(ctx, client, base+name, nil)
		if err != nil {
			return nil, fmt.Errorf("seed URL: %w", err)
		}
		if found {
			*dst = data
		}
	}
	if f.metaData == nil && f.userData == nil {
		return nil, fmt.Errorf("seed URL %s has neither meta-data nor user-data (both answered 404)", base)
	}
	l, err := decodeNoCloud(f, seed)
	if err != nil {
		return nil, withOrigin(err, base)
	}
	l.Origin = base
	return l, nil
}
