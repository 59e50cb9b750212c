package disk

import (
	"fmt"
	"strings"

	"github.com/outpost-os/outpost/board"
)

// ESP paths. systemd-boot is started from the removable-media path, so a
// flashed disk boots without any firmware boot entry.
const (
	LoaderConf = "/loader/loader.conf"
	EntriesDir = "/loader/entries"
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

// SlotKernel and SlotInitrd are a slot's files on the ESP.
func SlotKernel(slot string) string { return "/outpost/" + slot + "/kernel" }
func SlotInitrd(slot string) string { return "/outpost/" + slot + "/initrd" }

// EntryPath is the loader entry of a slot.
func EntryPath(slot string) string { return EntriesDir + "/outpost-" + slot + ".conf" }

// Entry is a Boot Loader Specification type 1 entry of one slot.
type Entry struct {
	Slot    string
	Version string
	Options []string
}

// SlotEntry is the entry of a slot of board b running version: the
// board's consoles and panic reboot, and the slot's root by GPT name.
func SlotEntry(b board.Board, slot, version string) Entry {
	opts := append([]string{"root=PARTLABEL=" + board.RootPartition(slot)}, b.KernelArgs()...)
	return Entry{Slot: slot, Version: version, Options: opts}
}

// String is the entry file's content.
func (e Entry) String() string {
	return fmt.Sprintf("title Outpost %s (slot %s)\nversion %s\nlinux %s\ninitrd %s\noptions %s\n",
		e.Version, e.Slot, e.Version, SlotKernel(e.Slot), SlotInitrd(e.Slot), strings.Join(e.Options, " "))
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
