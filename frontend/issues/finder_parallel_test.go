package issues_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
)

// rendezvous is a store whose named queries each wait until all of them
// have been asked: asked one after another, they never answer, and
// synctest reports the deadlock.
type rendezvous struct {
	*issuestest.Store
	mu      sync.Mutex
	waiting int
	want    int
	all     chan struct{}
}

func (r *rendezvous) arrive() {
	r.mu.Lock()
	if r.waiting++; r.waiting == r.want {
		close(r.all)
	}
	r.mu.Unlock()
	<-r.all
}

func (r *rendezvous) IssueUserCounts(ctx context.Context, pid uint64, ids []uint64) (map[uint64]uint64, error) {
	r.arrive()
	return r.Store.IssueUserCounts(ctx, pid, ids)
}

func (r *rendezvous) IssueUserStates(ctx context.Context, uid int64, ids []int64) (map[int64]metadata.UserIssueState, error) {
	r.arrive()
	return r.Store.IssueUserStates(ctx, uid, ids)
}

func (r *rendezvous) IssuesCountSeries(ctx context.Context, pids, ids []uint64, since time.Time, step time.Duration) (map[uint64][]analytics.Bucket, error) {
	r.arrive()
	return r.Store.IssuesCountSeries(ctx, pids, ids, since, step)
}

func (r *rendezvous) IssueSeenBy(ctx context.Context, id int64) ([]metadata.Seer, error) {
	r.arrive()
	return r.Store.IssueSeenBy(ctx, id)
}

// TestListAsksTogether: after the search, the list's user counts, the
// caller's marks and the sparklines are asked at once, and so are an
// issue's user count, marks and who saw it; none waits for another.
func TestListAsksTogether(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		store := &issuestest.Store{Issues: []metadata.Issue{{ID: 1, ProjectID: 1, Status: "unresolved"}},
			Users: map[int64]uint64{1: 3}, Series: map[uint64][]analytics.Bucket{1: {{Count: 2}}}}
		r := &rendezvous{Store: store, want: 3, all: make(chan struct{})}
		f := issues.NewFinder(r, r, r)
		found, hits, err := f.ListCounted(context.Background(), issues.Search{ProjectIDs: []int64{1}, Limit: 25, StatsPeriod: "24h", Now: now})
		if err != nil || hits != 1 || len(found) != 1 || found[0].Users != 3 || len(found[0].Stats) != 1 {
			t.Fatalf("ListCounted: %+v %d %v", found, hits, err)
		}
		r = &rendezvous{Store: store, want: 3, all: make(chan struct{})}
		got, err := issues.NewFinder(r, r, r).Detail(context.Background(), 0, 1)
		if err != nil || got.Users != 3 {
			t.Fatalf("Detail: %+v %v", got, err)
		}
	})
}
