package metadata_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
	"github.com/jackc/pgx/v5/pgconn"
)

// Concurrent changes of an organization's quotas apply one after the
// other: none fails on the categories the other inserted.
func TestConcurrentQuotaChanges(t *testing.T) {
	db := metadatatest.Open(t)
	proj := metadatatest.Project(t, db, "quotas-test")
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			errs <- db.SetOrgQuotas(context.Background(), proj.OrganizationID, map[string]int64{"error": int64(i), "transaction": 5}, i%2 == 0)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("set quotas: %v", err)
		}
	}
	q, err := db.OrgQuotas(context.Background(), proj.OrganizationID)
	if err != nil || len(q.Monthly) != 2 || q.Monthly["transaction"] != 5 {
		t.Errorf("quotas %+v, %v; want error and transaction", q, err)
	}
}

func TestIsRefusedValue(t *testing.T) {
	for code, want := range map[string]bool{
		"22003": true,  // numeric value out of range
		"22021": true,  // invalid byte sequence (a NUL in text)
		"54000": true,  // program limit exceeded (a value too large to index)
		"23505": false, // unique violation: a conflict, not a bad value
		"08006": false, // connection failure
		"":      false,
	} {
		err := fmt.Errorf("save: %w", &pgconn.PgError{Code: code})
		if got := metadata.IsRefusedValue(err); got != want {
			t.Errorf("IsRefusedValue(%q) = %v, want %v", code, got, want)
		}
	}
	if metadata.IsRefusedValue(errors.New("connection refused")) {
		t.Error("IsRefusedValue of a plain error = true")
	}
}
