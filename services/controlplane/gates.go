package controlplane

import (
	"fmt"

	utilfeature "k8s.io/apiserver/pkg/util/feature"
)

// releaseLockOnExit is the controller-manager's (alpha) feature gate that
// makes it release its leader lease and return when its context ends,
// instead of exiting the process with status 1.
const releaseLockOnExit = "ControllerManagerReleaseLeaderElectionLockOnExit"

// setFeatureGates sets the process-wide feature gates the components need,
// before any component starts. With leader election, a stopping
// controller-manager must return instead of ending this whole process.
func setFeatureGates(leaderElect bool) error {
	if !leaderElect {
		return nil
	}
	if err := utilfeature.DefaultMutableFeatureGate.SetFromMap(map[string]bool{releaseLockOnExit: true}); err != nil {
		return fmt.Errorf("feature gate %s: %w", releaseLockOnExit, err)
	}
	return nil
}
