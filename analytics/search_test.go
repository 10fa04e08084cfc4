package analytics_test

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/analytics/analyticstest"
)

// Several sets of event terms are answered in one pass: for each set, the
// issues with one event meeting all of its terms.
func TestIssuesWithEventSets(t *testing.T) {
	s := analyticstest.Open(t)
	ctx := context.Background()
	project := uniqueProject()
	now := time.Now().UTC().Truncate(time.Second)
	row := func(n int, issue uint64, ago time.Duration, userKey, email string, tags ...string) analytics.EventRow {
		r := analytics.EventRow{ProjectID: project, IssueID: issue, EventID: fmt.Sprintf("%032x", n), Timestamp: now.Add(-ago),
			Received: now, Level: "error", Title: "t", UserKey: userKey, UserEmail: email, Payload: []byte("{}")}
		for i := 0; i+1 < len(tags); i += 2 {
			r.TagKeys, r.TagValues = append(r.TagKeys, tags[i]), append(r.TagValues, tags[i+1])
		}
		return r
	}
	err := s.InsertEvents(ctx, []analytics.EventRow{
		row(1, 1, time.Hour, "id:7", "ann@example.com", "browser", "Chrome"),
		row(2, 2, 72*time.Hour, "email:bob@example.com", "", "browser", "Firefox"), // written before user_email
		row(3, 3, time.Hour, "", "", "browser", "Firefox"),
		row(4, 3, 2*time.Hour, "", "", "os", "Linux"),
	})
	if err != nil {
		t.Fatal(err)
	}
	since := now.Add(-30 * 24 * time.Hour)
	for _, tc := range []struct {
		name string
		sets [][]analytics.EventTerm
		want [][]uint64
	}{
		{"one set per question", [][]analytics.EventTerm{{{Key: "browser", Value: "Chrome"}}, {{Key: "browser", Value: "Firefox"}}},
			[][]uint64{{1}, {2, 3}}},
		// Issue 3 has a Firefox event and a Linux event, but none that is both.
		{"a set is one event", [][]analytics.EventTerm{{{Key: "browser", Value: "Firefox"}, {Key: "os", Value: "Linux"}}}, [][]uint64{nil}},
		{"user.email, from the column or user_key", [][]analytics.EventTerm{{{Key: "user.email", Value: "ANN@example.com"}},
			{{Key: "user.email", Value: "bob@example.com"}}, {{Key: "user.email"}}}, [][]uint64{{1}, {2}, {1, 2}}},
		{"event.timestamp", [][]analytics.EventTerm{{{Key: "event.timestamp", From: now.Add(-24 * time.Hour)}},
			{{Key: "event.timestamp", To: now.Add(-24 * time.Hour)}}, {{Key: "event.timestamp", From: now.Add(-90 * time.Minute), To: now}}},
			[][]uint64{{1, 3}, {2}, {1, 3}}},
		{"event.id", [][]analytics.EventTerm{{{Key: "event.id", Value: fmt.Sprintf("%032x", 4)}}}, [][]uint64{{3}}},
		{"no sets", nil, [][]uint64{}},
	} {
		got, err := s.IssuesWithEventSets(ctx, []uint64{project}, since, tc.sets)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		for _, ids := range got {
			slices.Sort(ids)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	// The search window bounds every set.
	got, err := s.IssuesWithEventSets(ctx, []uint64{project}, now.Add(-24*time.Hour), [][]analytics.EventTerm{{{Key: "browser", Value: "Firefox"}}})
	if err != nil || !reflect.DeepEqual(got, [][]uint64{{3}}) {
		t.Errorf("within a day: %v, %v; want [[3]]", got, err)
	}
}
