// Package disk writes disk.img, the raw GPT image a user flashes to a PC,
// an ARM UEFI box or a VM: the EFI system partition with systemd-boot,
// one Boot Loader Specification entry per populated root slot and each
// slot's kernel and initrd; two root slots (the squashfs in A); and a
// small ext4 state partition that stage 1 grows to fill the disk. It also
// writes disk.img.bmap for bmaptool. Everything is built as an ordinary
// user on a plain file (go-diskfs for the GPT and FAT32, Debian's
// mkfs.ext4 for the state file system) and comes out byte-identical from
// identical inputs.
package disk
