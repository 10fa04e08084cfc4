package issuestest

import (
	"context"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// IssueEvents pages through the issue's Events.
func (s *Store) IssueEvents(_ context.Context, _, issueID uint64, limit, offset int) ([]analytics.EventRow, error) {
	if err := s.fail("IssueEvents"); err != nil {
		return nil, err
	}
	all := s.Events[int64(issueID)]
	all = all[min(offset, len(all)):]
	return all[:min(limit, len(all))], nil
}

// IssueEvent finds one of the issue's Events by id.
func (s *Store) IssueEvent(_ context.Context, _, issueID uint64, eventID string) (analytics.EventRow, error) {
	if err := s.fail("IssueEvent"); err != nil {
		return analytics.EventRow{}, err
	}
	for _, e := range s.Events[int64(issueID)] {
		if e.EventID == eventID {
			return e, nil
		}
	}
	return analytics.EventRow{}, analytics.ErrNoEvent
}

// OldestEvent answers the issue's last listed event.
func (s *Store) OldestEvent(_ context.Context, _, issueID uint64) (analytics.EventRow, error) {
	if err := s.fail("OldestEvent"); err != nil {
		return analytics.EventRow{}, err
	}
	all := s.Events[int64(issueID)]
	if len(all) == 0 {
		return analytics.EventRow{}, analytics.ErrNoEvent
	}
	return all[len(all)-1], nil
}

// Neighbours answers the ids listed after (older) and before (newer) e.
func (s *Store) Neighbours(_ context.Context, _, issueID uint64, e analytics.EventRow) (prev, next string, err error) {
	if err := s.fail("Neighbours"); err != nil {
		return "", "", err
	}
	all := s.Events[int64(issueID)]
	for i, o := range all {
		if o.EventID != e.EventID {
			continue
		}
		if i+1 < len(all) {
			prev = all[i+1].EventID
		}
		if i > 0 {
			next = all[i-1].EventID
		}
	}
	return prev, next, nil
}

// IssueTags answers Tags.
func (s *Store) IssueTags(context.Context, uint64, uint64, int) ([]analytics.TagCounts, error) {
	return s.Tags, s.fail("IssueTags")
}

// CountSeries answers Buckets.
func (s *Store) CountSeries(context.Context, uint64, uint64, time.Time, time.Duration) ([]analytics.Bucket, error) {
	return s.Buckets, s.fail("CountSeries")
}

// ProjectValues answers Values.
func (s *Store) ProjectValues(context.Context, uint64, string, time.Time) ([]analytics.TagValueCount, error) {
	return s.Values, s.fail("ProjectValues")
}

// Comments answers Notes.
func (s *Store) Comments(context.Context, int64) ([]metadata.Comment, error) {
	return s.Notes, s.fail("Comments")
}

// AddComment records the comment, signed ann@example.com.
func (s *Store) AddComment(_ context.Context, _, _ int64, text string) (metadata.Comment, error) {
	if err := s.fail("AddComment"); err != nil {
		return metadata.Comment{}, err
	}
	c := metadata.Comment{ID: int64(len(s.Notes) + len(s.Added) + 1), UserEmail: "ann@example.com", Text: text}
	s.Added = append(s.Added, c)
	return c, nil
}

// IssueFeedback pages through the Feedback about the issue.
func (s *Store) IssueFeedback(_ context.Context, _, issueID int64, limit, offset int) ([]metadata.Feedback, error) {
	if err := s.fail("IssueFeedback"); err != nil {
		return nil, err
	}
	var all []metadata.Feedback
	for _, f := range s.Feedback {
		if f.IssueID == issueID {
			all = append(all, f)
		}
	}
	all = all[min(offset, len(all)):]
	return all[:min(limit, len(all))], nil
}

// ProjectFeedback pages through Feedback.
func (s *Store) ProjectFeedback(_ context.Context, _ int64, limit, offset int) ([]metadata.Feedback, error) {
	if err := s.fail("ProjectFeedback"); err != nil {
		return nil, err
	}
	all := s.Feedback[min(offset, len(s.Feedback)):]
	return all[:min(limit, len(all))], nil
}
