package cloudinit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"

	yaml "go.yaml.in/yaml/v3"

	"github.com/outpost-os/outpost/services/config"
)

// maxParts and maxDepth bound multipart user-data.
const (
	maxParts = 64
	maxDepth = 5
)

// DecodeUserData turns cloud-init user-data into a layer of the source. It
// accepts #cloud-config YAML, multipart MIME (nested, with base64 or
// quoted-printable parts) and gzip of either. Shell scripts, boothooks and
// #include parts are ignored with a warning (Outpost runs no scripts).
// Cloud-config parts apply in order, a later part winning per key.
func DecodeUserData(source string, data []byte) (*config.Layer, error) {
	d := &userData{source: source, layer: config.NewLayer(source)}
	if err := d.decode(data, "", 0); err != nil {
		return nil, err
	}
	return d.layer, nil
}

type userData struct {
	source string
	layer  *config.Layer
	parts  int
}

func (d *userData) warn(format string, args ...any) {
	d.layer.Warnings = append(d.layer.Warnings, config.Warning{Source: d.source, Msg: fmt.Sprintf(format, args...)})
}

// decode handles one blob; where says which MIME part it is ("" for the
// whole user-data).
func (d *userData) decode(data []byte, where string, depth int) error {
	if len(data) > config.MaxSize {
		return fmt.Errorf("user-data%s: %d bytes is over the %d byte limit", where, len(data), config.MaxSize)
	}
	if depth > maxDepth {
		return fmt.Errorf("user-data%s: nested more than %d levels deep", where, maxDepth)
	}
	if isGzip(data) {
		plain, err := config.Gunzip(data)
		if err != nil {
			return fmt.Errorf("user-data%s: %w", where, err)
		}
		return d.decode(plain, where, depth+1)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	switch first := firstLine(trimmed); {
	case len(trimmed) == 0:
		return nil
	case isCloudConfig(first):
		return d.cloudConfig(data, where)
	case isMIME(trimmed):
		return d.multipart(trimmed, where, depth)
	case strings.HasPrefix(first, "#!"), strings.HasPrefix(first, "#cloud-boothook"),
		strings.HasPrefix(first, "#include"), strings.HasPrefix(first, "#part-handler"):
		d.warn("user-data%s: %q content is not supported by Outpost, ignored", where, first)
		return nil
	case strings.HasPrefix(first, "## template: jinja"):
		return fmt.Errorf("user-data%s: jinja templates are not supported; render the template before writing the user-data", where)
	default:
		return fmt.Errorf("user-data%s: not #cloud-config, MIME multipart or gzip: the first line is %q; start the file with #cloud-config", where, truncate(first, 40))
	}
}

func (d *userData) cloudConfig(data []byte, where string) error {
	l, err := ParseCloudConfig(d.source, data)
	if err != nil {
		if where != "" {
			return fmt.Errorf("user-data%s: %w", where, err)
		}
		return err
	}
	d.layer.Overlay(l)
	return nil
}

func (d *userData) multipart(data []byte, where string, depth int) error {
	msg, err := mail.ReadMessage(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		return fmt.Errorf("user-data%s: MIME headers: %w", where, err)
	}
	return d.mimeEntity(textproto.MIMEHeader(msg.Header), msg.Body, where, depth)
}

// mimeEntity decodes one MIME entity by its Content-Type.
func (d *userData) mimeEntity(h textproto.MIMEHeader, body io.Reader, where string, depth int) error {
	data, err := readPart(h, body)
	if err != nil {
		return fmt.Errorf("user-data%s: %w", where, err)
	}
	ctype := h.Get("Content-Type")
	mediaType, params, err := mime.ParseMediaType(ctype)
	if ctype == "" {
		mediaType, err = "text/plain", nil
	}
	if err != nil {
		return fmt.Errorf("user-data%s: Content-Type %q: %w", where, ctype, err)
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/"):
		return d.multiparts(data, params["boundary"], where, depth)
	case mediaType == "text/cloud-config" || mediaType == "text/cloud-config-jsonp":
		if isGzip(data) {
			return d.decode(data, where, depth+1)
		}
		return d.cloudConfig(data, where)
	case mediaType == "application/gzip" || mediaType == "application/x-gzip" || mediaType == "text/plain" || mediaType == "application/octet-stream":
		return d.decode(data, where, depth+1)
	default:
		d.warn("user-data%s: part of type %s is not supported by Outpost, ignored", where, mediaType)
		return nil
	}
}

func (d *userData) multiparts(data []byte, boundary, where string, depth int) error {
	if boundary == "" {
		return fmt.Errorf("user-data%s: multipart without a boundary parameter", where)
	}
	mr := multipart.NewReader(bytes.NewReader(data), boundary)
	for i := 1; ; i++ {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("user-data%s: part %d: %w", where, i, err)
		}
		if d.parts++; d.parts > maxParts {
			return fmt.Errorf("user-data: more than %d MIME parts", maxParts)
		}
		sub := fmt.Sprintf("%s part %d", where, i)
		if name := p.FileName(); name != "" {
			sub += " (" + name + ")"
		}
		if err := d.mimeEntity(p.Header, p, strings.TrimSpace(sub), depth+1); err != nil {
			return err
		}
	}
}

// readPart reads a MIME body and undoes its Content-Transfer-Encoding.
func readPart(h textproto.MIMEHeader, body io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(body, config.MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read MIME part: %w", err)
	}
	if len(data) > config.MaxSize {
		return nil, fmt.Errorf("MIME part is over the %d byte limit", config.MaxSize)
	}
	switch enc := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding"))); enc {
	case "", "7bit", "8bit", "binary":
		return data, nil
	case "base64":
		return config.DecodeBase64(data)
	case "quoted-printable":
		return io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(data)), config.MaxSize))
	default:
		return nil, fmt.Errorf("Content-Transfer-Encoding %q is not supported", enc)
	}
}

func isGzip(data []byte) bool { return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b }

func isCloudConfig(firstLine string) bool {
	return strings.HasPrefix(strings.TrimRight(firstLine, " \t"), "#cloud-config")
}

func isMIME(data []byte) bool {
	head := strings.ToLower(firstLine(data))
	return strings.HasPrefix(head, "content-type:") || strings.HasPrefix(head, "mime-version:")
}

func firstLine(data []byte) string {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	return strings.TrimRight(string(line), "\r")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// DecodeConfig reads a file that is either user-data (#cloud-config, MIME
// or gzip) or a plain config.yaml, as fw_cfg, config_url, the state file and
// `outpost config check` accept either.
//
// A plain file whose top level has an outpost: section is read as
// #cloud-config whose header was forgotten.
func DecodeConfig(source string, data []byte) (*config.Layer, error) {
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if isGzip(data) || isCloudConfig(firstLine(trimmed)) || isMIME(trimmed) {
		return DecodeUserData(source, data)
	}
	if len(data) <= config.MaxSize {
		if root, err := config.ParseYAML(source, data); err == nil && root != nil && root.Kind == yaml.MappingNode && MapValue(root, "outpost") != nil {
			return ParseCloudConfig(source, data)
		}
	}
	return config.Parse(source, data)
}
