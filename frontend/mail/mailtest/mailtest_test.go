package mailtest

import (
	"testing"

	"go.uber.org/goleak"
)

// A test that ends at once, before the server has started serving, leaves
// no goroutine behind.
func TestServerStoppedBeforeServing(t *testing.T) {
	for range 20 {
		t.Run("start and end", func(t *testing.T) { StartTestServer(t) })
	}
	goleak.VerifyNone(t)
}
