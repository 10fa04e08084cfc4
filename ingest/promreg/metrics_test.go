package promreg

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func newCounter() prometheus.Counter {
	return prometheus.NewCounter(prometheus.CounterOpts{Name: "faultline_test_total", Help: "A test counter."})
}

func TestRegisterSharesWithinARegistryOnly(t *testing.T) {
	a, b := prometheus.NewRegistry(), prometheus.NewRegistry()
	a1, a2, b1 := Register(a, newCounter()), Register(a, newCounter()), Register(b, newCounter())
	a1.Inc()
	if got := testutil.ToFloat64(a2); got != 1 {
		t.Errorf("second registration on the same registry counts %v, want 1 (shared with the first)", got)
	}
	if got := testutil.ToFloat64(b1); got != 0 {
		t.Errorf("counter of another registry counts %v, want 0", got)
	}
	if n, err := testutil.GatherAndCount(a, "faultline_test_total"); err != nil || n != 1 {
		t.Errorf("registry a gathers %d series (err %v), want 1", n, err)
	}
}

func TestRegisterPanicsOnConflict(t *testing.T) {
	reg := prometheus.NewRegistry()
	Register(reg, newCounter())
	defer func() {
		if recover() == nil {
			t.Error("registering a different metric under the same name did not panic")
		}
	}()
	Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{Name: "faultline_test_total", Help: "A test counter."}))
}

func TestOrNil(t *testing.T) {
	first, second := Or(nil), Or(nil)
	Register(first, newCounter()).Inc()
	if got := testutil.ToFloat64(Register(second, newCounter())); got != 0 {
		t.Errorf("nil registerers share state: %v, want 0", got)
	}
	reg := prometheus.NewRegistry()
	if Or(reg) != reg {
		t.Error("Or(reg) is not reg")
	}
}
