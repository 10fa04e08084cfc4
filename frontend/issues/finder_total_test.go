package issues_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
)

// countingStore counts the list totals it was asked to count.
type countingStore struct {
	*issuestest.Store
	counts atomic.Int32
}

func (c *countingStore) CountIssues(ctx context.Context, f metadata.IssueFilter, limit int) (int, error) {
	c.counts.Add(1)
	return c.Store.CountIssues(ctx, f, limit)
}

// A list's total is counted only when the page cannot tell it: a page
// short of its limit ends the matches, so its total is the issues before
// it and on it. Counting read up to 1,000 index entries for nothing on
// every text search that matched a handful of issues.
func TestListCountsOnlyWhatThePageCannotTell(t *testing.T) {
	var all []metadata.Issue
	for i := range 30 {
		all = append(all, metadata.Issue{ID: int64(i + 1), ProjectID: 1, Status: "unresolved"})
	}
	for _, c := range []struct {
		name          string
		issues        int
		sort          string
		offset, limit int
		wantHits      int
		wantCounted   bool
	}{
		{"one short page", 3, "", 0, 25, 3, false},
		{"full page", 30, "", 0, 25, 30, true},
		{"last page", 30, "", 25, 25, 30, false},
		{"past the end", 30, "", 50, 25, 30, true},
		{"empty", 0, "", 0, 25, 0, false},
		{"exactly one page", 25, "", 0, 25, 25, true},
		{"by users, all ranked", 30, "user", 0, 25, 30, false},
	} {
		store := &countingStore{Store: &issuestest.Store{Issues: all[:c.issues]}}
		f := issues.NewFinder(store, store.Store, store.Store)
		found, hits, err := f.ListCounted(context.Background(), issues.Search{ProjectIDs: []int64{1}, Sort: c.sort,
			Offset: c.offset, Limit: c.limit, Now: now})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if hits != c.wantHits || (store.counts.Load() > 0) != c.wantCounted {
			t.Errorf("%s: %d issues listed, X-Hits %d, counted %d times; want X-Hits %d, counted: %v",
				c.name, len(found), hits, store.counts.Load(), c.wantHits, c.wantCounted)
		}
	}
}
