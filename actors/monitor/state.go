package monitor

import (
	"fmt"
	"math"
	"time"
)

// State is what a monitor's actor remembers between checks; it is saved in
// PostgreSQL so a restarted (or moved) actor carries on.
type State struct {
	IsUp        *bool // nil until the first verdict
	Failures    int   // consecutive failed checks
	TLSReported *int  // the smallest expiry threshold already reported
}

// Change is a state change to record and announce.
type Change struct {
	Kind   string // down, up, tls_expiry
	Reason string
}

// Apply folds one result into the state: down after threshold consecutive
// failures, up after one success, and a tls_expiry change each time the
// certificate's days left cross one of tlsDays.
func (s *State) Apply(r Result, threshold int, tlsDays []int32, now time.Time) []Change {
	var out []Change
	if r.Up {
		s.Failures = 0
		if s.IsUp == nil || !*s.IsUp {
			reason := "the check succeeded again"
			if s.IsUp == nil {
				reason = "first check succeeded"
			}
			s.IsUp = ptr(true)
			out = append(out, Change{Kind: "up", Reason: reason})
		}
	} else {
		s.Failures++
		if s.Failures >= max(threshold, 1) && (s.IsUp == nil || *s.IsUp) {
			s.IsUp = ptr(false)
			reason := r.Reason
			if s.Failures > 1 {
				reason = fmt.Sprintf("%s (%d checks in a row)", r.Reason, s.Failures)
			}
			out = append(out, Change{Kind: "down", Reason: reason})
		}
	}
	if !r.CertNotAfter.IsZero() {
		days := int(math.Floor(r.CertNotAfter.Sub(now).Hours() / 24))
		crossed := -1
		for _, t := range tlsDays {
			if days <= int(t) && (crossed < 0 || int(t) < crossed) {
				crossed = int(t)
			}
		}
		switch {
		case crossed >= 0 && (s.TLSReported == nil || crossed < *s.TLSReported):
			s.TLSReported = ptr(crossed)
			out = append(out, Change{Kind: "tls_expiry", Reason: fmt.Sprintf("the certificate expires in %d days, on %s (threshold %d days)",
				days, r.CertNotAfter.UTC().Format("2006-01-02"), crossed)})
		case crossed < 0:
			s.TLSReported = nil // renewed
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
