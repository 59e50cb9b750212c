package blockdev

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeSys lays out /sys/class/block the way the kernel does: links to
// device folders, partitions inside their disk's folder.
func fakeSys(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	devices := filepath.Join(root, "devices/pci0000:00/0000:00:04.0/virtio1/block")
	class := filepath.Join(root, "class/block")
	os.MkdirAll(class, 0o755)
	add := func(rel, uevent, size string) {
		dir := filepath.Join(devices, rel)
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "uevent"), []byte(uevent), 0o644)
		os.WriteFile(filepath.Join(dir, "size"), []byte(size+"\n"), 0o644)
		if err := os.Symlink(dir, filepath.Join(class, filepath.Base(rel))); err != nil {
			t.Fatal(err)
		}
	}
	add("vda", "MAJOR=254\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n", "5242880")
	add("vda/vda1", "DEVNAME=vda1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=outpost-esp\n", "1048576")
	add("vda/vda2", "DEVNAME=vda2\nDEVTYPE=partition\nPARTN=2\nPARTNAME=outpost-root-a\n", "2097152")
	add("vda/vda4", "DEVNAME=vda4\nDEVTYPE=partition\nPARTN=4\nPARTNAME=outpost-state\n", "524288")
	add("vdb", "DEVNAME=vdb\nDEVTYPE=disk\n", "2048")
	return class
}

func TestScan(t *testing.T) {
	devs, err := Scan(fakeSys(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 5 {
		t.Fatalf("found %d devices: %+v", len(devs), devs)
	}
	root := devs[2]
	if root.Name != "vda2" || root.Disk != "vda" || root.Number != 2 || root.Label != "outpost-root-a" || root.Size != 1<<30 {
		t.Errorf("vda2 = %+v", root)
	}
	if devs[0].Disk != "" || devs[0].DiskPath() != "/dev/vda" || root.DiskPath() != "/dev/vda" {
		t.Errorf("disk of vda, vda2: %+v %+v", devs[0], root)
	}
	if st, ok := PartitionOf(devs, "vda", "outpost-state"); !ok || st.Name != "vda4" {
		t.Errorf("state partition of vda: %+v %v", st, ok)
	}
	if _, ok := PartitionOf(devs, "vdb", "outpost-state"); ok {
		t.Error("vdb has no state partition")
	}
}

func TestSpecs(t *testing.T) {
	devs, _ := Scan(fakeSys(t))
	for spec, want := range map[string]string{"/dev/vdb": "vdb", "PARTLABEL=outpost-root-a": "vda2", "PARTLABEL=outpost-root-b": ""} {
		s, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		m := s.Match(devs)
		got := ""
		if len(m) > 0 {
			got = m[0].Name
		}
		if got != want || len(m) > 1 {
			t.Errorf("%s matches %+v, want %q", spec, m, want)
		}
	}
	for _, bad := range []string{"vda", "LABEL=x", "PARTLABEL=", "/dev/"} {
		if _, err := ParseSpec(bad); err == nil || !strings.Contains(err.Error(), "PARTLABEL=NAME") {
			t.Errorf("ParseSpec(%q) = %v", bad, err)
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"/dev/vda", "PARTLABEL=outpost-root-a", "PARTUUID=ABC", "", "=", "PARTLABEL"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		spec, err := ParseSpec(s)
		if err == nil && spec.Value == "" {
			t.Errorf("ParseSpec(%q) accepted an empty name", s)
		}
	})
}
