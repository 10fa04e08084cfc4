package issues

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata"
)

// Writer changes issues; *metadata.DB is one. Merge stores the merge for
// the job that moves the merged issues' events, in the transaction that
// merges them.
type Writer interface {
	UpdateIssues(ctx context.Context, projectIDs, issueIDs []int64, actorID int64, u metadata.IssueUpdate) (int, error)
	DeleteIssues(ctx context.Context, projectIDs, issueIDs []int64) (int, error)
	PlanMerge(ctx context.Context, projectIDs, issueIDs []int64) (metadata.MergePlan, error)
	Merge(ctx context.Context, plan metadata.MergePlan, actorID int64) error
}

// Editor changes, deletes and merges issues.
type Editor struct {
	issues Writer
	people People
}

// NewEditor returns an Editor over the given stores.
func NewEditor(issues Writer, people People) *Editor {
	return &Editor{issues: issues, people: people}
}

// Change is a bulk change to issues of some projects of one organization.
// Issues of other projects are left alone.
type Change struct {
	OrgID      int64
	ProjectIDs []int64
	IssueIDs   []int64
	ActorID    int64
	Status     *string
	// AssignedTo is a member's email, "#team", or "" to unassign; nil
	// leaves assignees alone.
	AssignedTo *string
	// With Status "ignored": come back after IgnoreFor, at IgnoreUntil, or
	// after IgnoreCount more events; zero means no such condition.
	IgnoreFor   time.Duration
	IgnoreUntil time.Time
	IgnoreCount int64
	// With Status "resolved": resolved in a release ("latest" for the
	// latest one now), or in the next release. Without either, any newer
	// event reopens a resolved issue.
	InRelease     string
	InNextRelease bool
	// The actor's own bookmark and seen mark, and whether the issues are
	// shared by a public link; nil leaves each alone.
	Bookmark, Seen, Public *bool
	Now                    time.Time
}

// IgnoreEnd is when an ignore the change asks for ends (zero for none),
// to the microsecond PostgreSQL keeps.
func (c Change) IgnoreEnd() time.Time {
	switch {
	case !c.IgnoreUntil.IsZero():
		return c.IgnoreUntil.Truncate(time.Microsecond)
	case c.IgnoreFor > 0:
		return c.Now.Add(c.IgnoreFor).Truncate(time.Microsecond)
	}
	return time.Time{}
}

// changes reports whether c changes anything at all.
func (c Change) changes() bool {
	return c.Status != nil || c.AssignedTo != nil || c.Bookmark != nil || c.Seen != nil || c.Public != nil
}

// Update applies a change and reports how many issues it changed; none is
// a NotFoundError.
func (e *Editor) Update(ctx context.Context, c Change) (int, error) {
	if !c.changes() {
		return 0, invalid("send a JSON body with status, assignedTo, isBookmarked, hasSeen, isPublic or merge")
	}
	if c.IgnoreFor < 0 || c.IgnoreCount < 0 {
		return 0, invalid("statusDetails: ignoreDuration and ignoreCount must not be negative")
	}
	if c.InRelease != "" || c.InNextRelease {
		switch {
		case c.Status == nil || *c.Status != "resolved":
			return 0, invalid(`statusDetails: inRelease and inNextRelease go with "status": "resolved"`)
		case c.InRelease != "" && c.InNextRelease:
			return 0, invalid("statusDetails: send inRelease or inNextRelease, not both")
		}
	}
	u := metadata.IssueUpdate{Status: c.Status, IgnoreFor: c.IgnoreFor, IgnoreCount: c.IgnoreCount,
		IgnoreMinutes: int64(c.IgnoreFor / time.Minute), InRelease: c.InRelease, InNextRelease: c.InNextRelease,
		Bookmark: c.Bookmark, Seen: c.Seen, Public: c.Public}
	if !c.IgnoreUntil.IsZero() {
		// ignoreUntil with ignoreDuration puts back an ignore for a
		// duration as it was (an Undo): it ends when it ended and still
		// reads back its duration.
		if u.IgnoreFor = c.IgnoreUntil.Sub(c.Now); u.IgnoreFor <= 0 {
			return 0, invalid("statusDetails.ignoreUntil is in the past")
		}
	}
	if u.IgnoreFor > 0 {
		u.IgnoreUntil = c.IgnoreEnd()
	}
	if c.AssignedTo != nil {
		if err := e.assignee(ctx, c.OrgID, strings.TrimSpace(*c.AssignedTo), &u); err != nil {
			return 0, err
		}
	}
	n, err := e.issues.UpdateIssues(ctx, c.ProjectIDs, c.IssueIDs, c.ActorID, u)
	if err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, notFound("no such issues")
	}
	return n, nil
}

// assignee sets the update's team or user from who: "#team", a member's
// email, or "" to unassign.
func (e *Editor) assignee(ctx context.Context, orgID int64, who string, u *metadata.IssueUpdate) error {
	if strings.HasPrefix(who, "#") {
		team, err := e.people.TeamBySlug(ctx, orgID, who)
		if errors.Is(err, metadata.ErrNotFound) {
			return invalid("assignedTo: no team " + who + " in this organization")
		}
		if err != nil {
			return fmt.Errorf("assignedTo: %w", err)
		}
		u.TeamID = &team.ID
		return nil
	}
	var userID int64
	if who != "" {
		users, err := e.people.UserIDsByEmail(ctx, orgID, []string{who})
		if err != nil {
			return fmt.Errorf("assignedTo: %w", err)
		}
		if len(users) == 0 {
			return invalid("assignedTo: " + who + " is not a member of this organization")
		}
		userID = users[0]
	}
	u.AssigneeID = &userID
	return nil
}

// Delete deletes issues of the given projects; none is a NotFoundError.
func (e *Editor) Delete(ctx context.Context, projectIDs, issueIDs []int64) error {
	n, err := e.issues.DeleteIssues(ctx, projectIDs, issueIDs)
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound("no such issues")
	}
	return nil
}

// Merge folds issues of one project into the one with the most events.
// It is done in PostgreSQL when Merge returns; the merged issues' events
// move to the parent in ClickHouse shortly after, by a background job
// that Merge has queued in the same transaction.
func (e *Editor) Merge(ctx context.Context, projectIDs, issueIDs []int64, actorID int64) (metadata.MergePlan, error) {
	if len(issueIDs) < 2 {
		return metadata.MergePlan{}, invalid("name at least two issues of one project to merge")
	}
	plan, err := e.issues.PlanMerge(ctx, projectIDs, issueIDs)
	if err != nil {
		return plan, err
	}
	if err := e.issues.Merge(ctx, plan, actorID); err != nil {
		return plan, err
	}
	return plan, nil
}
