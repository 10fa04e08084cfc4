// Package cputime measures the CPU time a benchmark's process spends, for
// benchmarks that report it beside wall time: on a shared, loaded machine
// wall time per op says little, CPU time per op still says what the code
// costs.
package cputime

import (
	"syscall"
	"testing"
	"time"
)

// Process is the CPU time the process has used so far, user and system,
// garbage collection included; zero where the platform cannot tell.
func Process() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Report starts measuring; the function it returns adds the CPU time per
// op since then to b's results as cpu-ns/op.
func Report(b *testing.B) func() {
	start := Process()
	return func() { b.ReportMetric(float64(Process()-start)/float64(b.N), "cpu-ns/op") }
}
