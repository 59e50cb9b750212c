package slots

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-os/outpost/services/atomicfile"
)

// Files of the boot folder (paths.BootDir): PID 1 writes StatusFile, the
// role leaves HealthyFile once the node is healthy.
const (
	StatusFile  = "status.json"
	HealthyFile = "healthy"
)

// Upgrade states of the last install, as the Node shows them.
const (
	UpgradeNone       = "none"
	UpgradeTrial      = "trial"
	UpgradeSucceeded  = "succeeded"
	UpgradeRolledBack = "rolled-back"
)

// Annotation keys on the Node (docs/upgrades.md).
const (
	AnnotationSlot           = "outpost.io/slot"
	AnnotationSlotPrefix     = "outpost.io/slot-"
	AnnotationUpgrade        = "outpost.io/upgrade"
	AnnotationUpgradeMessage = "outpost.io/upgrade-message"
)

// Report is this boot's slot status as PID 1 leaves it for the role
// (status.json), which publishes it on the Node.
type Report struct {
	// Slot is the running slot; Try and Tries its try when on trial.
	Slot    string `json:"slot"`
	Try     int    `json:"try,omitempty"`
	Tries   int    `json:"tries,omitempty"`
	Version string `json:"version"`
	// Slots are each slot's version and state ("v2 good").
	Slots map[string]string `json:"slots"`
	// Upgrade is the state of the last install, Message what explains it.
	Upgrade string `json:"upgrade"`
	Message string `json:"message,omitempty"`
}

// Report is the status as published; why explains a rollback.
func (s Status) Report(why string) Report {
	b := s.Booted
	state := b.State()
	if s.Trial() {
		state = StateTrial
	}
	r := Report{Slot: b.Slot, Version: b.Version, Slots: map[string]string{b.Slot: b.Version + " " + state}, Upgrade: UpgradeNone}
	if s.Other != nil {
		r.Slots[s.Other.Slot] = s.Other.Version + " " + s.Other.State()
	}
	switch {
	case s.Trial():
		r.Try, r.Tries, r.Upgrade = b.Done, b.Left+b.Done, UpgradeTrial
		r.Message = fmt.Sprintf("%s: marked good once the node is healthy", b.DescribeTry())
	case s.RolledBack:
		r.Upgrade, r.Message = UpgradeRolledBack, why
	case b.Gen > 1 && (s.Other == nil || s.Other.Gen < b.Gen):
		r.Upgrade, r.Message = UpgradeSucceeded, fmt.Sprintf("slot %s (%s) booted and was marked good", b.Slot, b.Version)
	}
	return r
}

// Annotations are the Node annotations of a report.
func (r Report) Annotations() map[string]string {
	a := map[string]string{AnnotationSlot: r.Slot, AnnotationUpgrade: r.Upgrade, AnnotationUpgradeMessage: r.Message}
	for slot, v := range r.Slots {
		a[AnnotationSlotPrefix+slot] = v
	}
	return a
}

// WriteReport leaves r in the boot folder dir.
func WriteReport(dir string, r Report) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("boot status: %w", err)
	}
	return atomicfile.Write(filepath.Join(dir, StatusFile), data, 0o644)
}

// ReadReport reads the report PID 1 left in the boot folder dir.
func ReadReport(dir string) (Report, error) {
	var r Report
	data, err := os.ReadFile(filepath.Join(dir, StatusFile))
	if err != nil {
		return r, fmt.Errorf("boot status: %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("boot status %s: %w", filepath.Join(dir, StatusFile), err)
	}
	return r, nil
}

// MarkHealthy leaves the role's healthy mark in the boot folder dir.
func MarkHealthy(dir, why string) error {
	if err := atomicfile.Write(filepath.Join(dir, HealthyFile), []byte(why+"\n"), 0o644); err != nil {
		return fmt.Errorf("mark the boot healthy: %w", err)
	}
	return nil
}
