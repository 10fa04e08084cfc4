package issuestest

import (
	"context"
	"fmt"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/metadata"
)

// IssueUserStates answers States for the asked issues.
func (s *Store) IssueUserStates(_ context.Context, _ int64, issueIDs []int64) (map[int64]metadata.UserIssueState, error) {
	if err := s.fail("IssueUserStates"); err != nil {
		return nil, err
	}
	out := map[int64]metadata.UserIssueState{}
	for _, id := range issueIDs {
		if st, ok := s.States[id]; ok {
			out[id] = st
		}
	}
	return out, nil
}

// IssueSeenBy answers SeenBy.
func (s *Store) IssueSeenBy(context.Context, int64) ([]metadata.Seer, error) {
	return s.SeenBy, s.fail("IssueSeenBy")
}

// IssueByShareID finds the issue whose ShareID is shareID.
func (s *Store) IssueByShareID(_ context.Context, shareID string) (metadata.Issue, error) {
	if err := s.fail("IssueByShareID"); err != nil {
		return metadata.Issue{}, err
	}
	for _, is := range s.Issues {
		if is.ShareID != nil && *is.ShareID == shareID {
			return is, nil
		}
	}
	return metadata.Issue{}, metadata.ErrNotFound
}

// IssuesCountSeries records the call and answers Series.
func (s *Store) IssuesCountSeries(_ context.Context, _, issueIDs []uint64, _ time.Time, step time.Duration) (map[uint64][]analytics.Bucket, error) {
	s.SeriesAsks = append(s.SeriesAsks, issueIDs)
	s.SeriesStep = append(s.SeriesStep, step)
	return s.Series, s.fail("IssuesCountSeries")
}

// IssueComment finds a comment of Notes.
func (s *Store) IssueComment(_ context.Context, _, commentID int64) (metadata.Comment, error) {
	if err := s.fail("IssueComment"); err != nil {
		return metadata.Comment{}, err
	}
	for _, c := range s.Notes {
		if c.ID == commentID {
			return c, nil
		}
	}
	return metadata.Comment{}, metadata.ErrNotFound
}

// EditComment records the new text of a comment of Notes.
func (s *Store) EditComment(ctx context.Context, issueID, commentID int64, text string) (metadata.Comment, error) {
	c, err := s.IssueComment(ctx, issueID, commentID)
	if err != nil {
		return c, err
	}
	c.Text = text
	s.Edited = append(s.Edited, c)
	return c, nil
}

// DeleteComment records the deletion of a comment of Notes.
func (s *Store) DeleteComment(ctx context.Context, issueID, commentID int64) error {
	if _, err := s.IssueComment(ctx, issueID, commentID); err != nil {
		return err
	}
	s.Removed = append(s.Removed, commentID)
	return nil
}

// applyUserState applies an update's bookmark, seen mark and share link to
// an issue (the share id is "share-" and the issue id).
func (s *Store) applyUserState(is *metadata.Issue, u metadata.IssueUpdate) {
	if s.States == nil {
		s.States = map[int64]metadata.UserIssueState{}
	}
	st := s.States[is.ID]
	if u.Bookmark != nil {
		st.Bookmarked = *u.Bookmark
	}
	if u.Seen != nil {
		st.Seen = *u.Seen
	}
	s.States[is.ID] = st
	switch {
	case u.Public == nil:
	case *u.Public && is.ShareID == nil:
		id := fmt.Sprintf("share-%d", is.ID)
		is.ShareID = &id
	case !*u.Public:
		is.ShareID = nil
	}
}
