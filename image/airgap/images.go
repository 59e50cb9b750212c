package airgap

import (
	"io/fs"

	"github.com/outpost-os/outpost/image/oci"
	"github.com/outpost-os/outpost/services/baked"
)

// BusyboxApplets are the commands of the workload image, links to
// /bin/busybox: enough to kubectl exec into a pod, fetch a Service and
// resolve a name.
var BusyboxApplets = []string{"sh", "ls", "cat", "wget", "nslookup", "hostname", "sleep", "echo", "ping"}

// Ports and paths the images are known by.
const (
	WorkloadPort = 8080
	CorefilePath = "/etc/coredns/Corefile"
)

// image is one archive: the program in it and how it is laid out.
type image struct {
	file    string
	ref     string
	program program
	layout  func(bin, busybox string) oci.Image
}

// all are the images every root image carries.
func all() []image {
	return []image{
		{file: "pause.tar", ref: baked.Pause, layout: pauseImage,
			program: program{name: "pause", pkg: "./image/baked/pause", inputs: []string{"go.mod", "image/baked/pause"}}},
		{file: "workload.tar", ref: baked.Workload, layout: workloadImage,
			program: program{name: "workload", pkg: "./image/baked/workload", inputs: []string{"go.mod", "image/baked/workload"}}},
		{file: "coredns.tar", ref: baked.CoreDNS, layout: corednsImage,
			program: program{name: "coredns", module: "image/baked/coredns", pkg: ".", inputs: []string{"image/baked/coredns"}}},
	}
}

// pauseImage runs the sandbox as nobody, as the upstream pause image does.
func pauseImage(bin, _ string) oci.Image {
	return oci.Image{Entrypoint: []string{"/pause"}, User: "65535:65535",
		Files: []oci.File{{Path: "pause", Source: bin, Mode: 0o755}}}
}

func workloadImage(bin, busybox string) oci.Image {
	files := []oci.File{
		{Path: "workload", Source: bin, Mode: 0o755},
		{Path: "bin/busybox", Source: busybox, Mode: 0o755},
		{Path: "tmp", Dir: true, Mode: 0o777 | fs.ModeSticky},
		{Path: "etc/passwd", Data: []byte("root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n")},
		{Path: "etc/group", Data: []byte("root:x:0:\nnogroup:x:65534:\n")},
	}
	for _, a := range BusyboxApplets {
		files = append(files, oci.File{Path: "bin/" + a, Link: "busybox"})
	}
	return oci.Image{Entrypoint: []string{"/workload"}, Env: []string{"PATH=/bin"}, WorkingDir: "/", Files: files}
}

func corednsImage(bin, _ string) oci.Image {
	return oci.Image{Entrypoint: []string{"/coredns"}, Cmd: []string{"-conf", CorefilePath},
		Files: []oci.File{{Path: "coredns", Source: bin, Mode: 0o755}}}
}
