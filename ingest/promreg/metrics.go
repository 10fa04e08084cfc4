// Package promreg holds the convention every Faultline component follows for
// its Prometheus metrics: a component takes a prometheus.Registerer in its
// constructor (or Config) and registers its collectors there, never on the
// process-wide default registry, so that two servers in one process (as in
// tests) count apart. The binary makes one registry per server and serves
// /metrics from it.
package promreg

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// Or returns reg, or, when reg is nil, a fresh registry that nothing
// gathers: a nil Registerer means "don't register", for callers (tests
// mostly) that do not look at the metrics.
func Or(reg prometheus.Registerer) prometheus.Registerer {
	if reg == nil {
		return prometheus.NewRegistry()
	}
	return reg
}

// Register registers c on reg and returns it. When reg already holds the
// same metric (another component of the same kind registered it on the same
// registry, e.g. two workers of one server), it returns that collector
// instead, so both components count together. Any other conflict (the same
// name with other labels or help) is a programming error and panics, as
// prometheus.MustRegister does.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var already prometheus.AlreadyRegisteredError
	if errors.As(err, &already) {
		if existing, ok := already.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic(err)
}
