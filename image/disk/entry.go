package disk

import (
	"strings"

	"github.com/outpost-os/outpost/board"
	"github.com/outpost-os/outpost/services/slots"
)

// ESP paths. systemd-boot is started from the removable-media path, so a
// flashed disk boots without any firmware boot entry.
const (
	LoaderConf = "/loader/loader.conf"
	EntriesDir = slots.EntriesDir
)

// loaderConf shows no menu unless a key is held, allows no editing of the
// command line (a box in a shop has a keyboard port) and adds no entries
// of its own. It sets no default: boot counting must be free to move off
// a bad entry (the upgrade marks entries).
const loaderConf = "timeout 0\neditor no\nauto-entries no\nauto-firmware no\nconsole-mode keep\n"

// BootLoaderPath is where the firmware looks for the boot loader of arch
// (x64, aa64) on removable media.
func BootLoaderPath(arch string) string {
	return "/EFI/BOOT/BOOT" + strings.ToUpper(arch) + ".EFI"
}

// FirstEntry is the entry of slot A in a flashed image: the first
// install, the board's consoles and panic reboot, and the slot's root by
// GPT name. It does not count tries: the image a user flashed is the one
// the box falls back to.
func FirstEntry(b board.Board, version string) slots.Entry {
	const slot = "a"
	opts := append([]string{"root=PARTLABEL=" + board.RootPartition(slot)}, b.KernelArgs()...)
	return slots.Entry{Gen: 1, Slot: slot, Left: -1, Version: version, Options: opts}
}

// MergeOptions returns the words of an entry's options line with extra
// appended; an extra word replaces an earlier word with the same key
// (outpost.console=on replaces outpost.console=off).
func MergeOptions(line string, extra []string) string {
	extra = strings.Fields(strings.Join(extra, " "))
	keys := map[string]bool{}
	for _, w := range extra {
		k, _, _ := strings.Cut(w, "=")
		keys[k] = true
	}
	var out []string
	for _, w := range strings.Fields(line) {
		if k, _, _ := strings.Cut(w, "="); !keys[k] {
			out = append(out, w)
		}
	}
	return strings.Join(append(out, extra...), " ")
}
