package metadata

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// UserIssueState is what one user has done with an issue.
type UserIssueState struct {
	Bookmarked bool
	Seen       bool
}

// Seer is a user who has seen an issue, and when last.
type Seer struct {
	Person
	LastSeen time.Time
}

// applyUserState applies an update's bookmark, seen and public changes to
// the locked issues: bookmarks and seen marks are the actor's own.
func applyUserState(ctx context.Context, tx pgx.Tx, ids []int64, actorID int64, u IssueUpdate) error {
	if u.Bookmark != nil && actorID != 0 {
		q := `DELETE FROM issue_bookmarks WHERE issue_id = ANY($1) AND user_id = $2`
		if *u.Bookmark {
			q = `INSERT INTO issue_bookmarks (issue_id, user_id) SELECT id, $2 FROM unnest($1::bigint[]) AS id ON CONFLICT DO NOTHING`
		}
		if _, err := tx.Exec(ctx, q, ids, actorID); err != nil {
			return fmt.Errorf("bookmark: %w", err)
		}
	}
	if u.Seen != nil && actorID != 0 {
		q := `DELETE FROM issue_seen WHERE issue_id = ANY($1) AND user_id = $2`
		if *u.Seen {
			q = `INSERT INTO issue_seen (issue_id, user_id) SELECT id, $2 FROM unnest($1::bigint[]) AS id
				ON CONFLICT (issue_id, user_id) DO UPDATE SET last_seen = now()`
		}
		if _, err := tx.Exec(ctx, q, ids, actorID); err != nil {
			return fmt.Errorf("mark seen: %w", err)
		}
	}
	if u.Public != nil {
		return setPublic(ctx, tx, ids, actorID, *u.Public)
	}
	return nil
}

// setPublic gives each private issue among ids a new random share id, or
// takes the share id away (revoking the link). An issue already public
// keeps its link.
func setPublic(ctx context.Context, tx pgx.Tx, ids []int64, actorID int64, public bool) error {
	if !public {
		tag, err := tx.Exec(ctx, `UPDATE issues SET share_id = NULL WHERE id = ANY($1) AND share_id IS NOT NULL`, ids)
		if err != nil {
			return fmt.Errorf("make private: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return nil
		}
		return addActivity(ctx, tx, ids, actorID, "set_private", nil)
	}
	shares := make([]string, len(ids))
	for i := range ids {
		shares[i] = NewShareID()
	}
	rows, err := tx.Query(ctx, `UPDATE issues SET share_id = u.s FROM unnest($1::bigint[], $2::text[]) AS u(id, s)
		WHERE issues.id = u.id AND issues.share_id IS NULL RETURNING issues.id`, ids, shares)
	if err != nil {
		return fmt.Errorf("make public: %w", err)
	}
	changed, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("make public: %w", err)
	}
	if len(changed) == 0 {
		return nil
	}
	return addActivity(ctx, tx, changed, actorID, "set_public", nil)
}

// NewShareID is an unguessable share id: 128 random bits in hex.
func NewShareID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// IssueUserStates answers, for each of issueIDs, what the user has done
// with it (issues they have done nothing with are left out).
func (db *DB) IssueUserStates(ctx context.Context, userID int64, issueIDs []int64) (map[int64]UserIssueState, error) {
	out := map[int64]UserIssueState{}
	if len(issueIDs) == 0 || userID == 0 {
		return out, nil
	}
	rows, err := db.pool.Query(ctx, `SELECT id,
			EXISTS (SELECT 1 FROM issue_bookmarks b WHERE b.issue_id = id AND b.user_id = $2),
			EXISTS (SELECT 1 FROM issue_seen s WHERE s.issue_id = id AND s.user_id = $2)
		FROM unnest($1::bigint[]) AS id`, issueIDs, userID)
	if err != nil {
		return nil, fmt.Errorf("issue user states: %w", err)
	}
	var id int64
	var st UserIssueState
	if _, err := pgx.ForEachRow(rows, []any{&id, &st.Bookmarked, &st.Seen}, func() error {
		if st.Bookmarked || st.Seen {
			out[id] = st
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("issue user states: %w", err)
	}
	return out, nil
}

// IssueSeenBy lists who has seen an issue, most recently first (at most
// 100).
func (db *DB) IssueSeenBy(ctx context.Context, issueID int64) ([]Seer, error) {
	rows, err := db.pool.Query(ctx, `SELECT u.id, u.email, s.last_seen FROM issue_seen s JOIN users u ON u.id = s.user_id
		WHERE s.issue_id = $1 ORDER BY s.last_seen DESC, u.id LIMIT 100`, issueID)
	if err != nil {
		return nil, fmt.Errorf("issue seen by: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Seer, error) {
		var s Seer
		err := r.Scan(&s.ID, &s.Email, &s.LastSeen)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("issue seen by: %w", err)
	}
	return out, nil
}

// IssueByShareID returns the public issue a share id names, or
// ErrNotFound (for an unknown or revoked id alike).
func (db *DB) IssueByShareID(ctx context.Context, shareID string) (Issue, error) {
	is, err := scanIssue(db.pool.QueryRow(ctx, `
		SELECT `+issueColumns+`
		FROM issues i JOIN projects p ON p.id = i.project_id JOIN organizations o ON o.id = p.organization_id
		WHERE i.share_id = $1 AND i.merged_into IS NULL`, shareID))
	if err != nil {
		return is, fmt.Errorf("shared issue: %w", notFound(err))
	}
	return is, nil
}
