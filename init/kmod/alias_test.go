package kmod

import (
	"strings"
	"testing"
)

func TestResolveAliases(t *testing.T) {
	in := "# Aliases extracted from modules themselves.\nalias crypto-crc32c crc32c_generic\nalias crc32c crc32c_generic\nalias net-pf-10 ipv6\nalias fs-* bogus_fs\nalias pci:v00001AF4d*sv*sd*bc*sc*i* virtio_pci\n"
	aliases, err := ParseAliases(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if got := Resolve(aliases, "crypto-crc32c"); len(got) != 1 || got[0] != "crc32c_generic" {
		t.Errorf("crypto-crc32c -> %v", got)
	}
	if got := Resolve(aliases, "pci:v00001AF4d00001001sv00001AF4sd00000002bc01sc00i00"); len(got) != 1 || got[0] != "virtio_pci" {
		t.Errorf("pci alias -> %v", got)
	}
	if got := Resolve(aliases, "net-pf-99"); len(got) != 0 {
		t.Errorf("net-pf-99 -> %v", got)
	}
}

func FuzzResolve(f *testing.F) {
	f.Add("alias a* b\nalias [ c\n", "abc")
	f.Fuzz(func(t *testing.T, file, name string) {
		aliases, err := ParseAliases(strings.NewReader(file))
		if err == nil {
			Resolve(aliases, name)
		}
	})
}
