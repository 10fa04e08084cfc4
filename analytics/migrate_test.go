package analytics_test

import (
	"context"
	"testing"

	"github.com/faultline/faultline/analytics/analyticstest"
)

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	s := analyticstest.Open(t) // migrates once
	n, err := s.Migrate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("second migration applied %d migrations, want 0", n)
	}
}
