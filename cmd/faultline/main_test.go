package main

import (
	"testing"

	"go.uber.org/goleak"
)

// A stopped server leaves no goroutine behind, but for fasthttp's: its
// process-wide clock, and each stopped server's idle-worker sweeper, which
// notices the stop only when its 10 s sleep ends.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}
