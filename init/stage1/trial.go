package stage1

import (
	"time"

	"github.com/outpost-os/outpost/init/mounts"
	"github.com/outpost-os/outpost/services/bootparam"
	"github.com/outpost-os/outpost/services/slots"
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

// onTrial tells whether the boot loader started an entry that counts
// tries (efivarfs is loaded with the root modules on a UEFI boot).
func onTrial() bool {
	return mounts.UEFI() && mounts.Do(mounts.EFIVars(slots.EFIVars)) == nil && countsTries(slots.EFIVars)
}

// countsTries tells whether the boot loader's variables in efivars name a
// booted entry with a boot counter, even on its last try (+0-3).
func countsTries(efivars string) bool {
	b, err := slots.ReadBooted(efivars)
	return err == nil && b.OK && b.Entry.Counts()
}
