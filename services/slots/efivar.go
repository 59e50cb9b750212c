package slots

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf16"
)

// EFIVars is where efivarfs is mounted.
const EFIVars = "/sys/firmware/efi/efivars"

// loaderGUID is the vendor GUID of the Boot Loader Interface variables.
const loaderGUID = "4a67b082-0a4c-41cf-b6c7-440b29bb8c4f"

// Booted is what the boot loader says about this boot.
type Booted struct {
	// Loader is the boot loader's name (LoaderInfo), empty without one.
	Loader string
	// Entry is the booted entry, with its counter as the boot loader left
	// it (LoaderBootCountPath when it counts, LoaderEntrySelected when
	// not); ok is false when the boot loader named none of ours.
	Entry Entry
	OK    bool
}

// ReadBooted reads the boot loader's variables in efivars (efivarfs). A
// boot without them (a direct kernel boot, another boot loader) gives a
// zero Booted and no error.
func ReadBooted(efivars string) (Booted, error) {
	var b Booted
	info, err := readVar(efivars, "LoaderInfo")
	if errors.Is(err, os.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return b, err
	}
	b.Loader = info
	name, err := readVar(efivars, "LoaderBootCountPath")
	if errors.Is(err, os.ErrNotExist) {
		name, err = readVar(efivars, "LoaderEntrySelected")
	}
	if errors.Is(err, os.ErrNotExist) {
		return b, nil
	}
	if err != nil {
		return b, err
	}
	b.Entry, b.OK = ParseName(path.Base(strings.ReplaceAll(name, `\`, "/")))
	return b, nil
}

// readVar reads a Boot Loader Interface variable: 4 bytes of attributes,
// then a NUL-terminated UTF-16LE string.
func readVar(efivars, name string) (string, error) {
	data, err := os.ReadFile(filepath.Join(efivars, VarFile(name)))
	if err != nil {
		return "", err
	}
	if len(data) < 4 || len(data)%2 != 0 {
		return "", fmt.Errorf("EFI variable %s: %d bytes is not a string", name, len(data))
	}
	return DecodeUTF16(data[4:]), nil
}

// DecodeUTF16 decodes a little-endian UTF-16 string up to its NUL.
func DecodeUTF16(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		c := binary.LittleEndian.Uint16(b[i:])
		if c == 0 {
			break
		}
		u = append(u, c)
	}
	return string(utf16.Decode(u))
}

// EncodeVar is the efivarfs content of a string variable, as a boot
// loader sets it (tests use it to stand in for one).
func EncodeVar(s string) []byte {
	out := []byte{0x06, 0, 0, 0} // boot service and runtime access
	for _, c := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, c)
	}
	return append(out, 0, 0)
}

// VarFile is the efivarfs file name of a Boot Loader Interface variable.
func VarFile(name string) string { return name + "-" + loaderGUID }
