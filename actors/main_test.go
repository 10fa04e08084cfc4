package actors

import (
	"testing"

	"go.uber.org/goleak"
)

// Every goroutine a worker starts must be gone when it stops.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		// Connection pools' background goroutines, closed by t.Cleanup after
		// the tests but kept alive by the drivers for a moment.
		goleak.IgnoreAnyFunction("github.com/jackc/pgx/v5/pgxpool.(*Pool).backgroundHealthCheck"),
	)
}
