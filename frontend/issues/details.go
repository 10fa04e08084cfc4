package issues

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// EventReader reads an issue's events, tags and counts, and a project's
// environments and releases; *analytics.Store is one.
type EventReader interface {
	IssueEvents(ctx context.Context, projectID, issueID uint64, limit, offset int) ([]analytics.EventRow, error)
	IssueEvent(ctx context.Context, projectID, issueID uint64, eventID string) (analytics.EventRow, error)
	OldestEvent(ctx context.Context, projectID, issueID uint64) (analytics.EventRow, error)
	Neighbours(ctx context.Context, projectID, issueID uint64, e analytics.EventRow) (prev, next string, err error)
	IssueTags(ctx context.Context, projectID, issueID uint64, topN int) ([]analytics.TagCounts, error)
	CountSeries(ctx context.Context, projectID, issueID uint64, since time.Time, step time.Duration) ([]analytics.Bucket, error)
	ProjectValues(ctx context.Context, projectID uint64, column string, since time.Time) ([]analytics.TagValueCount, error)
}

// Notes stores what people wrote about issues: members' comments and
// users' feedback sent with events; *metadata.DB is one.
type Notes interface {
	Comments(ctx context.Context, issueID int64) ([]metadata.Comment, error)
	AddComment(ctx context.Context, issueID, userID int64, text string) (metadata.Comment, error)
	IssueComment(ctx context.Context, issueID, commentID int64) (metadata.Comment, error)
	EditComment(ctx context.Context, issueID, commentID int64, text string) (metadata.Comment, error)
	DeleteComment(ctx context.Context, issueID, commentID int64) error
	IssueFeedback(ctx context.Context, projectID, issueID int64, limit, offset int) ([]metadata.Feedback, error)
	ProjectFeedback(ctx context.Context, projectID int64, limit, offset int) ([]metadata.Feedback, error)
}

// Details reads what surrounds an issue the caller may see (found with
// Finder.Get): its events, tags, event counts, comments and user
// feedback, and adds comments. Its counts, values and feedback also serve
// whole projects.
type Details struct {
	events EventReader
	notes  Notes
}

// NewDetails returns a Details over the given stores.
func NewDetails(events EventReader, notes Notes) *Details {
	return &Details{events: events, notes: notes}
}

// MaxCommentLen is the longest comment, in bytes.
const MaxCommentLen = 10000

// Event is one event of an issue with the ids of the events just before
// and after it ("" when there is none).
type Event struct {
	analytics.EventRow
	Previous, Next string
}

// Events pages through an issue's events, newest first.
func (d *Details) Events(ctx context.Context, is metadata.Issue, limit, offset int) ([]analytics.EventRow, error) {
	return d.events.IssueEvents(ctx, uint64(is.ProjectID), uint64(is.ID), limit, offset)
}

// Latest answers an issue's newest event.
func (d *Details) Latest(ctx context.Context, is metadata.Issue) (Event, error) {
	rows, err := d.events.IssueEvents(ctx, uint64(is.ProjectID), uint64(is.ID), 1, 0)
	if err != nil {
		return Event{}, err
	}
	if len(rows) == 0 {
		return Event{}, notFound("event not found")
	}
	return d.withNeighbours(ctx, is, rows[0], nil)
}

// Oldest answers an issue's first event.
func (d *Details) Oldest(ctx context.Context, is metadata.Issue) (Event, error) {
	row, err := d.events.OldestEvent(ctx, uint64(is.ProjectID), uint64(is.ID))
	return d.withNeighbours(ctx, is, row, err)
}

// Event answers one event of an issue by its normalized id.
func (d *Details) Event(ctx context.Context, is metadata.Issue, eventID string) (Event, error) {
	row, err := d.events.IssueEvent(ctx, uint64(is.ProjectID), uint64(is.ID), eventID)
	return d.withNeighbours(ctx, is, row, err)
}

// withNeighbours completes an event read with err, which may say there is
// no such event.
func (d *Details) withNeighbours(ctx context.Context, is metadata.Issue, row analytics.EventRow, err error) (Event, error) {
	if errors.Is(err, analytics.ErrNoEvent) {
		return Event{}, notFound("event not found")
	}
	if err != nil {
		return Event{}, err
	}
	prev, next, err := d.events.Neighbours(ctx, uint64(is.ProjectID), uint64(is.ID), row)
	if err != nil {
		return Event{}, err
	}
	return Event{EventRow: row, Previous: prev, Next: next}, nil
}

// Tags answers an issue's tag keys, each with its topN most frequent
// values.
func (d *Details) Tags(ctx context.Context, is metadata.Issue, topN int) ([]analytics.TagCounts, error) {
	return d.events.IssueTags(ctx, uint64(is.ProjectID), uint64(is.ID), topN)
}

// Series counts a project's events, or one issue's when issueID is not
// 0, in buckets of step since a time.
func (d *Details) Series(ctx context.Context, projectID, issueID int64, since time.Time, step time.Duration) ([]analytics.Bucket, error) {
	return d.events.CountSeries(ctx, uint64(projectID), uint64(issueID), since, step)
}

// Values answers the distinct values of a project's events' environment
// or release since a time, with how many events carry each.
func (d *Details) Values(ctx context.Context, projectID int64, column string, since time.Time) ([]analytics.TagValueCount, error) {
	return d.events.ProjectValues(ctx, uint64(projectID), column, since)
}

// Comments answers an issue's comments, newest first.
func (d *Details) Comments(ctx context.Context, is metadata.Issue) ([]metadata.Comment, error) {
	return d.notes.Comments(ctx, is.ID)
}

// AddComment notes text on an issue as the user.
func (d *Details) AddComment(ctx context.Context, is metadata.Issue, userID int64, text string) (metadata.Comment, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxCommentLen {
		return metadata.Comment{}, invalid("a comment needs 1 to 10000 characters of text")
	}
	return d.notes.AddComment(ctx, is.ID, userID, text)
}

// comment finds a comment of the issue; one of another issue is not
// there.
func (d *Details) comment(ctx context.Context, is metadata.Issue, commentID int64) (metadata.Comment, error) {
	c, err := d.notes.IssueComment(ctx, is.ID, commentID)
	if errors.Is(err, metadata.ErrNotFound) {
		return c, notFound("comment not found")
	}
	return c, err
}

// EditComment replaces the text of a comment the user wrote; only its
// author may edit it.
func (d *Details) EditComment(ctx context.Context, is metadata.Issue, commentID, userID int64, text string) (metadata.Comment, error) {
	text = strings.TrimSpace(text)
	if text == "" || len(text) > MaxCommentLen {
		return metadata.Comment{}, invalid("text: a comment needs 1 to 10000 characters of text")
	}
	c, err := d.comment(ctx, is, commentID)
	if err != nil {
		return c, err
	}
	if c.UserID != userID {
		return c, forbidden("only the author of a comment may edit it")
	}
	return d.notes.EditComment(ctx, is.ID, commentID, text)
}

// DeleteComment removes a comment: its author may, and so may who
// moderates the organization (moderator).
func (d *Details) DeleteComment(ctx context.Context, is metadata.Issue, commentID, userID int64, moderator bool) error {
	c, err := d.comment(ctx, is, commentID)
	if err != nil {
		return err
	}
	if c.UserID != userID && !moderator {
		return forbidden("only the author of a comment or an organization owner or manager may delete it")
	}
	err = d.notes.DeleteComment(ctx, is.ID, commentID)
	if errors.Is(err, metadata.ErrNotFound) {
		return notFound("comment not found")
	}
	return err
}

// Feedback pages through the feedback users sent about an issue's events,
// newest first.
func (d *Details) Feedback(ctx context.Context, is metadata.Issue, limit, offset int) ([]metadata.Feedback, error) {
	return d.notes.IssueFeedback(ctx, is.ProjectID, is.ID, limit, offset)
}

// ProjectFeedback pages through the feedback users sent about a project,
// newest first.
func (d *Details) ProjectFeedback(ctx context.Context, projectID int64, limit, offset int) ([]metadata.Feedback, error) {
	return d.notes.ProjectFeedback(ctx, projectID, limit, offset)
}
