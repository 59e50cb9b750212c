package joinapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"golang.org/x/time/rate"
)

// ClaimLimits bound the node names agent-token holders may claim. The
// agent token is on every box, so without a bound anyone holding one box
// could take the names of boxes not yet joined, and store a Secret per
// name without end. Only new claims count: a node that shows its
// password again is never limited, and callers with the server token are
// not limited at all.
type ClaimLimits struct {
	// PerMinute and Burst bound the rate of new claims.
	PerMinute int
	Burst     int
	// MaxPending bounds the claims whose Node is not registered (yet):
	// a box registers its Node seconds after its claim, so only names
	// claimed and never used pile up.
	MaxPending int
}

// DefaultClaimLimits lets a fleet of a thousand boxes join within about
// twenty minutes (each retries its join on a 429) while a token holder
// can park at most a hundred unused names.
func DefaultClaimLimits() ClaimLimits {
	return ClaimLimits{PerMinute: 60, Burst: 30, MaxPending: 100}
}

// ErrTooManyClaims is wrapped by the error of a claim refused by
// ClaimLimits; the join API answers it with 429.
var ErrTooManyClaims = errors.New("too many new node names claimed")

// PendingCounter is implemented by a PasswordStore that can count the
// claims with no registered Node (SecretStore does).
type PendingCounter interface {
	PendingClaims(ctx context.Context) (int, error)
}

// claimGate applies ClaimLimits before a new name is stored.
type claimGate struct {
	limits  ClaimLimits
	limiter *rate.Limiter
	pending PendingCounter // nil: no count limit
}

func newClaimGate(l ClaimLimits, store PasswordStore) *claimGate {
	if l == (ClaimLimits{}) {
		l = DefaultClaimLimits()
	}
	g := &claimGate{limits: l, limiter: rate.NewLimiter(rate.Limit(float64(l.PerMinute)/60), l.Burst)}
	if pc, ok := store.(PendingCounter); ok && l.MaxPending > 0 {
		g.pending = pc
	}
	return g
}

// admit returns nil when one more new claim may be stored now, or an
// error wrapping ErrTooManyClaims with how long to wait.
func (g *claimGate) admit(ctx context.Context) (time.Duration, error) {
	if g.pending != nil {
		n, err := g.pending.PendingClaims(ctx)
		if err != nil {
			return 0, fmt.Errorf("count node-name claims: %w", err)
		}
		if n >= g.limits.MaxPending {
			return time.Minute, fmt.Errorf("%w: %d names are claimed with no Node registered (limit %d); free unused ones with 'outpost node release NAME'",
				ErrTooManyClaims, n, g.limits.MaxPending)
		}
	}
	res := g.limiter.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return d, fmt.Errorf("%w: at most %d new names a minute; retry in %ss", ErrTooManyClaims, g.limits.PerMinute, retryAfter(d))
	}
	return 0, nil
}

// retryAfter is the Retry-After value, in whole seconds, for d.
func retryAfter(d time.Duration) string {
	return fmt.Sprint(max(1, int(math.Ceil(d.Seconds()))))
}
