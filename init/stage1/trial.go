package stage1

import (
	"os"
	"time"

	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/slots"
	"golang.org/x/sys/unix"
)

// TrialEmergencyReboot is how soon a failed stage 1 reboots on a new
// slot's try: the boot loader counts the try and, once they are spent,
// boots the slot before. A person who wants to look sets
// outpost.emergency_reboot.
const TrialEmergencyReboot = 30 * time.Second

// EmergencyReboot is how long a failed stage 1 waits before it reboots:
// outpost.emergency_reboot when given, TrialEmergencyReboot on a trial
// boot, else the default.
func EmergencyReboot(p bootparam.Params) time.Duration {
	if _, given := p.Get("outpost.emergency_reboot"); given || !onTrial() {
		return p.EmergencyReboot
	}
	return TrialEmergencyReboot
}

// isUEFI tells whether the firmware booted the kernel through UEFI.
func isUEFI() bool {
	_, err := os.Stat("/sys/firmware/efi")
	return err == nil
}

// onTrial tells whether the boot loader started an entry that counts
// tries (efivarfs is loaded with the root modules on a UEFI boot).
func onTrial() bool {
	if !isUEFI() {
		return false
	}
	m := mounts.Mount{Source: "efivarfs", Target: slots.EFIVars, FSType: "efivarfs", Flags: unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC | unix.MS_RDONLY}
	return mounts.Do(m) == nil && countsTries(slots.EFIVars)
}

// countsTries tells whether the boot loader's variables in efivars name a
// booted entry with a boot counter, even on its last try (+0-3).
func countsTries(efivars string) bool {
	b, err := slots.ReadBooted(efivars)
	return err == nil && b.OK && b.Entry.Counts()
}
