package metadata_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/metadatatest"
)

func leafCond(field, cmp string, v any) metadata.IssueCond {
	return metadata.IssueCond{Field: field, Cmp: cmp, Value: v}
}

// A search's condition tree selects exactly the issues it says, in
// PostgreSQL: AND, OR, NOT (true of a missing value), every field.
func TestSearchIssuesMatch(t *testing.T) {
	db := metadatatest.Open(t)
	ctx := context.Background()
	proj := metadatatest.Project(t, db, "search-cond-test")
	now := time.Now().UTC().Truncate(time.Second)
	n := 0
	// issue records events of one new issue and returns its id.
	issue := func(title, level, release string, events int, first time.Time) int64 {
		t.Helper()
		var batch []metadata.GroupedEvent
		for i := range events {
			n++
			batch = append(batch, metadata.GroupedEvent{EventID: fmt.Sprintf("%032x", n), Fingerprint: "fp-" + title,
				Title: title, Level: level, Type: "error", Timestamp: first.Add(time.Duration(i) * time.Minute), Release: release})
		}
		ids, err := db.RecordEvents(ctx, proj.ProjectID, batch)
		if err != nil {
			t.Fatal(err)
		}
		return ids[0]
	}
	a := issue("disk 100% full", "error", "1.0", 3, now.Add(-48*time.Hour))
	b := issue("disk_full warning", "warning", "", 1, now.Add(-2*time.Hour))
	c := issue("timeout", "fatal", "2.0", 2, now.Add(-time.Hour))
	resolved := "resolved"
	if _, err := db.UpdateIssues(ctx, []int64{proj.ProjectID}, []int64{c}, proj.UserID, metadata.IssueUpdate{Status: &resolved}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateIssues(ctx, []int64{proj.ProjectID}, []int64{b}, proj.UserID, metadata.IssueUpdate{AssigneeID: &proj.UserID}); err != nil {
		t.Fatal(err)
	}
	shortOf := map[int64]int64{}
	all, err := db.SearchIssues(ctx, metadata.IssueFilter{ProjectIDs: []int64{proj.ProjectID}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	for _, is := range all {
		shortOf[is.ID] = is.ShortID
	}
	and := func(args ...metadata.IssueCond) metadata.IssueCond { return metadata.IssueCond{Op: "and", Args: args} }
	or := func(args ...metadata.IssueCond) metadata.IssueCond { return metadata.IssueCond{Op: "or", Args: args} }
	not := func(c metadata.IssueCond) metadata.IssueCond { c.Not = true; return c }
	for _, tc := range []struct {
		name string
		cond metadata.IssueCond
		want []int64
	}{
		{"everything", metadata.MatchAll, []int64{a, b, c}},
		{"nothing", metadata.MatchNone, nil},
		{"status", leafCond(metadata.FieldStatus, "", []string{"unresolved"}), []int64{a, b}},
		{"level OR level", or(leafCond(metadata.FieldLevel, "", []string{"error"}), leafCond(metadata.FieldLevel, "", []string{"fatal"})), []int64{a, c}},
		{"AND binds the OR", and(leafCond(metadata.FieldStatus, "", []string{"unresolved"}),
			or(leafCond(metadata.FieldLevel, "", []string{"error"}), leafCond(metadata.FieldLevel, "", []string{"fatal"}))), []int64{a}},
		{"times seen >", leafCond(metadata.FieldTimesSeen, ">", int64(1)), []int64{a, c}},
		{"times seen =", leafCond(metadata.FieldTimesSeen, "=", int64(2)), []int64{c}},
		{"times seen <=", leafCond(metadata.FieldTimesSeen, "<=", int64(2)), []int64{b, c}},
		{"first seen before", leafCond(metadata.FieldFirstSeen, "<", now.Add(-24*time.Hour)), []int64{a}},
		{"last seen since", leafCond(metadata.FieldLastSeen, ">=", now.Add(-90*time.Minute)), []int64{c}},
		{"NOT a release", not(leafCond(metadata.FieldFirstRelease, "", []string{"1.0"})), []int64{b, c}},
		{"NOT an assignee holds for the unassigned", not(leafCond(metadata.FieldAssignee, "", []int64{proj.UserID})), []int64{a, c}},
		{"text, % and _ literal", leafCond(metadata.FieldText, "", "100% full"), []int64{a}},
		{"text _ is not a wildcard", leafCond(metadata.FieldText, "", "disk_full"), []int64{b}},
		{"ids", leafCond(metadata.FieldID, "", []int64{a, c}), []int64{a, c}},
		{"no ids", leafCond(metadata.FieldID, "", []int64{}), nil},
		{"NOT ids", not(leafCond(metadata.FieldID, "", []int64{a})), []int64{b, c}},
		{"assignee", leafCond(metadata.FieldAssignee, "", []int64{proj.UserID}), []int64{b}},
		{"unassigned", leafCond(metadata.FieldUnassigned, "", nil), []int64{a, c}},
		{"short id", leafCond(metadata.FieldShortID, "", metadata.ShortID{Project: strings.ToUpper(proj.Project), Number: shortOf[c]}), []int64{c}},
		{"short id of another project", leafCond(metadata.FieldShortID, "", metadata.ShortID{Project: "elsewhere", Number: shortOf[c]}), nil},
	} {
		cond := tc.cond
		got, err := db.SearchIssues(ctx, metadata.IssueFilter{ProjectIDs: []int64{proj.ProjectID}, Match: &cond, Limit: 10})
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var ids []int64
		for _, is := range got {
			ids = append(ids, is.ID)
		}
		slices.Sort(ids)
		want := slices.Clone(tc.want)
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Errorf("%s: issues %v, want %v", tc.name, ids, want)
		}
	}

	// A condition the compiler cannot read is an error, never SQL.
	for _, bad := range []metadata.IssueCond{
		{Field: "title; DROP TABLE issues", Value: "x"},
		{Field: metadata.FieldTimesSeen, Cmp: "<>", Value: int64(1)},
		{Field: metadata.FieldTimesSeen, Cmp: ">", Value: "1"},
		{Field: metadata.FieldFirstSeen, Cmp: ">", Value: int64(1)},
		{Field: metadata.FieldStatus, Value: "resolved"},
		{Op: "xor"},
	} {
		_, err := db.SearchIssues(ctx, metadata.IssueFilter{ProjectIDs: []int64{proj.ProjectID}, Match: &bad, Limit: 10})
		if err == nil || !strings.Contains(err.Error(), "issue condition") {
			t.Errorf("%+v: %v, want an issue condition error", bad, err)
		}
	}
}
