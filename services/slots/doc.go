// Package slots is the A/B root slots of a disk: the Boot Loader
// Specification entries on the ESP that systemd-boot boots them by, with
// its boot counting ("+TRIES" in an entry's file name), the booted entry
// as the boot loader tells it in EFI variables, installing an image into
// the slot that is not running (verified against its manifest before the
// slot is touched), and marking a boot good or failed.
//
// An entry's file is loader/entries/outpost-GEN-SLOT[+LEFT[-DONE]].conf.
// GEN grows with each install, so systemd-boot, which orders entries
// without a sort key by their names with the highest version first and
// those with no tries left last, boots the newest install while it has
// tries, and the one before once they are spent. It is used both by PID 1
// (the boot report, marking the boot good) and by the upgrade, which runs
// in the role process.
package slots
