package kmods

import (
	"strings"
	"testing"
)

func TestParseDepAndSelect(t *testing.T) {
	dep := "kernel/fs/overlayfs/overlay.ko:\n" +
		"kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio_ring.ko kernel/drivers/virtio/virtio.ko\n" +
		"kernel/drivers/virtio/virtio_ring.ko:\n" +
		"kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko\n" +
		"kernel/sound/snd.ko.xz:\n"
	deps, err := ParseDep(strings.NewReader(dep))
	if err != nil {
		t.Fatal(err)
	}
	tr := &Tree{Root: t.TempDir(), Release: "x", deps: deps}
	got, err := tr.Select([]string{"fs"}, []string{"virtio-blk"})
	if err != nil {
		t.Fatal(err)
	}
	want := "kernel/drivers/block/virtio_blk.ko,kernel/drivers/virtio/virtio.ko,kernel/drivers/virtio/virtio_ring.ko,kernel/fs/overlayfs/overlay.ko"
	if strings.Join(got, ",") != want {
		t.Errorf("selected %v", got)
	}
	if _, err := tr.Select(nil, []string{"nosuch"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("unknown module: err = %v", err)
	}
}

func TestModuleName(t *testing.T) {
	for in, want := range map[string]string{"kernel/a/ip-tables.ko.zst": "ip_tables", "b.ko": "b", "kernel/c.ko.xz": "c"} {
		if got := ModuleName(in); got != want {
			t.Errorf("ModuleName(%s) = %s", in, got)
		}
	}
}

func FuzzParseDep(f *testing.F) {
	f.Add("a.ko: b.ko c.ko\nb.ko:\n")
	f.Add(":::\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		ParseDep(strings.NewReader(s))
	})
}
