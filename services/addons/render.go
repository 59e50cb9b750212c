package addons

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"text/template"

	"github.com/outpost-os/outpost/services/baked"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

//go:embed manifests/*.yaml
var manifests embed.FS

// CoreDNS is the name of the CoreDNS add-on (as --disable takes it).
const CoreDNS = "coredns"

// RBAC is the role of Outpost's node agents (system:outpost-controller).
// It is always applied: --disable cannot name it, nodes need it.
const RBAC = "rbac"

// Names lists the add-ons in the order they are applied.
func Names() []string { return []string{CoreDNS} }

// Values fill the manifests' templates.
type Values struct {
	ClusterDNS    string // cluster DNS service IP, e.g. 10.43.0.10
	ClusterDomain string // e.g. cluster.local
	// Image is the CoreDNS image; "" means baked.CoreDNS, the image
	// baked into the root image.
	Image string
}

var (
	domainRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$`)
	imageRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/:@-]*$`)
)

func (v Values) check() (Values, error) {
	if v.Image == "" {
		v.Image = baked.CoreDNS
	}
	var errs []error
	if net.ParseIP(v.ClusterDNS) == nil {
		errs = append(errs, fmt.Errorf("cluster DNS %q is not an IP address", v.ClusterDNS))
	}
	if len(v.ClusterDomain) > 253 || !domainRE.MatchString(v.ClusterDomain) {
		errs = append(errs, fmt.Errorf("cluster domain %q is not a DNS name", v.ClusterDomain))
	}
	if !imageRE.MatchString(v.Image) {
		errs = append(errs, fmt.Errorf("image %q is not an image reference", v.Image))
	}
	return v, errors.Join(errs...)
}

// Render returns the objects of the add-on name with v filled in, in the
// order of its manifest.
func Render(name string, v Values) ([]*unstructured.Unstructured, error) {
	v, err := v.check()
	if err != nil {
		return nil, fmt.Errorf("add-on %s: %w", name, err)
	}
	file := "manifests/" + name + ".yaml"
	tmpl, err := template.New(name).Option("missingkey=error").ParseFS(manifests, file)
	if err != nil {
		return nil, fmt.Errorf("add-on %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name+".yaml", v); err != nil {
		return nil, fmt.Errorf("add-on %s: %w", name, err)
	}
	objs, err := decode(&buf)
	if err != nil {
		return nil, fmt.Errorf("add-on %s: %s: %w", name, file, err)
	}
	return objs, nil
}

// decode splits a multi-document YAML stream into objects, skipping empty
// documents.
func decode(r io.Reader) ([]*unstructured.Unstructured, error) {
	d := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var out []*unstructured.Unstructured
	for {
		var raw runtime.RawExtension
		err := d.Decode(&raw)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if raw.Raw = bytes.TrimSpace(raw.Raw); len(raw.Raw) == 0 || string(raw.Raw) == "null" {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw.Raw); err != nil {
			return nil, fmt.Errorf("document %d: %w", len(out)+1, err)
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" || u.GetName() == "" {
			return nil, fmt.Errorf("document %d lacks apiVersion, kind or metadata.name", len(out)+1)
		}
		out = append(out, u)
	}
}
