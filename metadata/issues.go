package metadata

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// GroupedEvent is one processed event as the issue store needs it.
type GroupedEvent struct {
	EventID     string // 32 lowercase hex digits
	Fingerprint string // hex SHA-256 of the grouping fingerprint
	Title       string
	Culprit     string
	Level       string
	Type        string
	Metadata    map[string]string
	Timestamp   time.Time
	Release     string // "" when the event names none
	// Log is where the event's record sat in the queue, which tells a
	// replay from a new event (see replay.go); nil for an event that did
	// not come from the log, which is always counted.
	Log *LogPosition
	// Seen marks an event the caller knows was counted already (a client
	// that sent it again): it is grouped, and not counted again.
	Seen bool
}

// Issue is the aggregate state of one group of events.
type Issue struct {
	ID          int64
	ProjectID   int64
	ProjectSlug string
	OrgSlug     string
	ShortID     int64
	Title       string
	Culprit     string
	Level       string
	Type        string
	Metadata    map[string]string
	Status      string
	FirstSeen   time.Time
	LastSeen    time.Time
	TimesSeen   int64
	RegressedAt *time.Time // set when a resolved issue saw a new event
	Assignee    *string    // the assigned user's email
	TeamSlug    *string    // or the assigned team's slug
	// The releases of the issue's first and newest events ("" for none).
	FirstRelease, LastRelease string
	// How a resolved issue was resolved: "" plainly, or
	// releaseorder.InRelease with ResolutionRelease the fixed version, or
	// releaseorder.InNextRelease with ResolutionRelease the release that was
	// the latest at the time.
	ResolutionType, ResolutionRelease string
	AssigneeID, TeamID                int64 // 0 when not assigned so
	// How an ignored issue was ignored: until when, for how many more
	// events, for how many minutes (as asked), and by whom (nil: not so).
	IgnoreUntil   *time.Time
	IgnoreCount   *int64
	IgnoreMinutes *int64
	IgnoredBy     *Person
	ShareID       *string // set while the issue is public
	NumComments   int64
}

// Person is a user as issues show them (assignees, who ignored, who saw).
type Person struct {
	ID    int64
	Email string
}

// RecordEvents groups a project's batch of events into issues in one
// transaction: it creates the issues that do not exist yet and counts each
// event that was not counted before, so replaying a batch from the log
// after a crash changes nothing (see replay.go). It links the feedback
// that was waiting for these events to their issues. It returns the issue
// id of every event, in order.
func (db *DB) RecordEvents(ctx context.Context, projectID int64, events []GroupedEvent) ([]int64, error) {
	r, err := db.RecordEventsDetailed(ctx, projectID, events)
	return r.IssueIDs, err
}

// Recorded is what recording a batch did: each event's issue, the issues
// it created or reopened, and the events counted for the first time (a
// replay counts none, creates none and reopens none).
type Recorded struct {
	IssueIDs  []int64
	Created   map[int64]bool
	Regressed map[int64]bool
	Fresh     map[string]bool
}

// RecordEventsDetailed is RecordEvents, telling what it did.
func (db *DB) RecordEventsDetailed(ctx context.Context, projectID int64, events []GroupedEvent) (Recorded, error) {
	issueIDs := make([]int64, len(events))
	var rec Recorded
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rec = Recorded{Created: map[int64]bool{}, Regressed: map[int64]bool{}, Fresh: map[string]bool{}}
		byFingerprint, err := ensureIssues(ctx, tx, projectID, events, rec.Created)
		if err != nil {
			return err
		}
		eventIDs := make([]string, len(events))
		for i, e := range events {
			issueIDs[i] = byFingerprint[e.Fingerprint]
			eventIDs[i] = e.EventID
		}
		fresh, err := freshEvents(ctx, tx, projectID, events)
		if err != nil {
			return err
		}
		if err := linkFeedback(ctx, tx, projectID, eventIDs, issueIDs); err != nil {
			return err
		}
		for _, id := range fresh {
			rec.Fresh[id] = true
		}
		return countEvents(ctx, tx, projectID, events, issueIDs, fresh, rec.Regressed)
	})
	if err != nil {
		return Recorded{}, err
	}
	rec.IssueIDs = issueIDs
	return rec, nil
}

// ensureIssues returns the issue id of every fingerprint in events, creating
// the missing issues from the first event that carries their fingerprint.
func ensureIssues(ctx context.Context, tx pgx.Tx, projectID int64, events []GroupedEvent, created map[int64]bool) (map[string]int64, error) {
	var fingerprints []string
	first := map[string]GroupedEvent{}
	for _, e := range events {
		if _, ok := first[e.Fingerprint]; !ok {
			first[e.Fingerprint] = e
			fingerprints = append(fingerprints, e.Fingerprint)
		}
	}
	ids := make(map[string]int64, len(fingerprints))
	// A merged issue's fingerprint now leads to the issue it was merged into.
	rows, err := tx.Query(ctx, `SELECT fingerprint, COALESCE(merged_into, id) FROM issues WHERE project_id = $1 AND fingerprint = ANY($2)`,
		projectID, fingerprints)
	if err != nil {
		return nil, fmt.Errorf("find issues: %w", err)
	}
	for rows.Next() {
		var fp string
		var id int64
		if err := rows.Scan(&fp, &id); err != nil {
			return nil, fmt.Errorf("find issues: %w", err)
		}
		ids[fp] = id
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find issues: %w", err)
	}
	for _, fp := range fingerprints {
		if _, ok := ids[fp]; ok {
			continue
		}
		e := first[fp]
		meta, _ := json.Marshal(e.Metadata)
		var id int64
		var inserted bool // not a row another worker created meanwhile
		// Incrementing the project's counter also locks its row, so two workers
		// creating the same issue at once are serialised here.
		err := tx.QueryRow(ctx, `
			WITH c AS (UPDATE projects SET issue_counter = issue_counter + 1 WHERE id = $1 RETURNING issue_counter)
			INSERT INTO issues (project_id, short_id, fingerprint, title, culprit, level, type, metadata, first_seen, last_seen, first_release)
			SELECT $1, c.issue_counter, $2, $3, $4, $5, $6, $7, $8, $8, $9 FROM c
			ON CONFLICT (project_id, fingerprint) DO UPDATE SET fingerprint = EXCLUDED.fingerprint
			RETURNING COALESCE(merged_into, id), xmax = 0`, projectID, fp, e.Title, e.Culprit, e.Level, e.Type, meta, e.Timestamp, e.Release).Scan(&id, &inserted)
		if err != nil {
			return nil, fmt.Errorf("create issue: %w", notFound(err))
		}
		ids[fp] = id
		if inserted {
			created[id] = true
		}
	}
	return ids, nil
}

// reopens is the counting statement's test of whether a resolved issue
// comes back: a plain resolution by any event newer than it, a release
// resolution as decided beforehand (releaseReopened) and passed in u.r.
const reopens = `status = 'resolved' AND CASE WHEN resolution_type IS NULL
	THEN u.l > COALESCE(resolved_at, '-infinity') ELSE u.r END`

// countEvents adds the fresh events to their issues' counters and seen times,
// takes title, culprit, level and release from each issue's newest fresh
// event, and reopens the resolved issues the events show are not fixed.
func countEvents(ctx context.Context, tx pgx.Tx, projectID int64, events []GroupedEvent, issueIDs []int64, fresh []string, regressedOut map[int64]bool) error {
	if len(fresh) == 0 {
		return nil
	}
	isFresh := make(map[string]bool, len(fresh))
	for _, id := range fresh {
		isFresh[id] = true
	}
	type agg struct {
		n           int64
		first, last time.Time
		newest      GroupedEvent
	}
	byIssue := map[int64]*agg{}
	releases := map[int64][]string{} // each issue's distinct fresh releases
	var order []int64
	for i, e := range events {
		if !isFresh[e.EventID] {
			continue
		}
		isFresh[e.EventID] = false // an id twice in one batch counts once
		id := issueIDs[i]
		a := byIssue[id]
		if a == nil {
			a = &agg{first: e.Timestamp, last: e.Timestamp, newest: e}
			byIssue[id] = a
			order = append(order, id)
		}
		a.n++
		if e.Timestamp.Before(a.first) {
			a.first = e.Timestamp
		}
		if !e.Timestamp.Before(a.last) {
			a.last, a.newest = e.Timestamp, e
		}
		if e.Release != "" && !slices.Contains(releases[id], e.Release) {
			releases[id] = append(releases[id], e.Release)
		}
	}
	reopened, err := releaseReopened(ctx, tx, projectID, releases)
	if err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	n := len(order)
	ids, counts := make([]int64, n), make([]int64, n)
	firsts, lasts := make([]time.Time, n), make([]time.Time, n)
	titles, culprits, levels, lastReleases := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	reopen := make([]bool, n)
	for i, id := range order {
		a := byIssue[id]
		ids[i], counts[i], firsts[i], lasts[i] = id, a.n, a.first, a.last
		titles[i], culprits[i], levels[i], lastReleases[i] = a.newest.Title, a.newest.Culprit, a.newest.Level, a.newest.Release
		reopen[i] = reopened[id]
	}
	rows, err := tx.Query(ctx, `
		UPDATE issues SET
			times_seen = times_seen + u.n,
			first_seen = LEAST(first_seen, u.f),
			last_seen = GREATEST(last_seen, u.l),
			title = CASE WHEN u.l >= last_seen THEN u.t ELSE title END,
			culprit = CASE WHEN u.l >= last_seen THEN u.c ELSE culprit END,
			level = CASE WHEN u.l >= last_seen THEN u.v ELSE level END,
			last_release = CASE WHEN u.l >= last_seen AND u.rel <> '' THEN u.rel ELSE last_release END,
			regressed_at = CASE WHEN `+reopens+` THEN now() ELSE regressed_at END,
			resolution_type = CASE WHEN `+reopens+` THEN NULL ELSE resolution_type END,
			resolution_release = CASE WHEN `+reopens+` THEN '' ELSE resolution_release END,
			-- A resolved issue regresses; an ignored one comes back when its
			-- ignore condition (a time, a number of events) runs out.
			status = CASE
				WHEN `+reopens+` THEN 'unresolved'
				WHEN status = 'ignored' AND (u.l > ignore_until OR times_seen + u.n >= ignore_until_seen) THEN 'unresolved'
				ELSE status END
		FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[])
			AS u(id, n, f, l, t, c, v, rel, r)
		WHERE issues.id = u.id
		RETURNING issues.id, issues.regressed_at IS NOT NULL AND issues.regressed_at >= now()`,
		ids, counts, firsts, lasts, titles, culprits, levels, lastReleases, reopen)
	if err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	var regressed []int64
	for rows.Next() {
		var id int64
		var isNew bool
		if err := rows.Scan(&id, &isNew); err != nil {
			rows.Close()
			return fmt.Errorf("count events: %w", err)
		}
		if isNew {
			regressed = append(regressed, id)
			regressedOut[id] = true
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("count events: %w", err)
	}
	if len(regressed) > 0 {
		if err := addActivity(ctx, tx, regressed, 0, "set_regression", nil); err != nil {
			return fmt.Errorf("record regressions: %w", err)
		}
	}
	return nil
}

const issueColumns = `i.id, i.project_id, p.slug, o.slug, i.short_id, i.title, i.culprit, i.level, i.type,
	i.metadata, i.status, i.first_seen, i.last_seen, i.times_seen, i.regressed_at,
	(SELECT email FROM users WHERE id = i.assignee_id), (SELECT slug FROM teams WHERE id = i.assignee_team_id),
	i.first_release, i.last_release, COALESCE(i.resolution_type, ''), i.resolution_release,
	COALESCE(i.assignee_id, 0), COALESCE(i.assignee_team_id, 0), i.ignore_until, i.ignore_count, i.ignore_minutes,
	i.ignored_by, (SELECT email FROM users WHERE id = i.ignored_by), i.share_id,
	(SELECT count(*) FROM issue_comments WHERE issue_id = i.id)`

func scanIssue(row pgx.Row) (Issue, error) {
	var is Issue
	var ignoredByID *int64
	var ignoredBy *string
	err := row.Scan(&is.ID, &is.ProjectID, &is.ProjectSlug, &is.OrgSlug, &is.ShortID, &is.Title, &is.Culprit,
		&is.Level, &is.Type, &is.Metadata, &is.Status, &is.FirstSeen, &is.LastSeen, &is.TimesSeen, &is.RegressedAt, &is.Assignee, &is.TeamSlug,
		&is.FirstRelease, &is.LastRelease, &is.ResolutionType, &is.ResolutionRelease,
		&is.AssigneeID, &is.TeamID, &is.IgnoreUntil, &is.IgnoreCount, &is.IgnoreMinutes, &ignoredByID, &ignoredBy, &is.ShareID, &is.NumComments)
	if ignoredByID != nil && ignoredBy != nil {
		is.IgnoredBy = &Person{ID: *ignoredByID, Email: *ignoredBy}
	}
	return is, err
}

// ListIssues returns a project's issues, most recently seen first.
func (db *DB) ListIssues(ctx context.Context, projectID int64, limit, offset int) ([]Issue, error) {
	rows, err := db.pool.Query(ctx, `
		SELECT `+issueColumns+`
		FROM issues i JOIN projects p ON p.id = i.project_id JOIN organizations o ON o.id = p.organization_id
		WHERE i.project_id = $1 AND i.merged_into IS NULL
		ORDER BY i.last_seen DESC, i.id DESC
		LIMIT $2 OFFSET $3`, projectID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	issues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Issue, error) { return scanIssue(r) })
	if err != nil {
		return nil, fmt.Errorf("list issues: %w", err)
	}
	return issues, nil
}

// IssueForUser returns an issue that the user may see, or ErrNotFound: an
// issue in another organization is indistinguishable from a missing one.
func (db *DB) IssueForUser(ctx context.Context, userID, issueID int64) (Issue, error) {
	is, err := scanIssue(db.pool.QueryRow(ctx, `
		SELECT `+issueColumns+`
		FROM issues i JOIN projects p ON p.id = i.project_id JOIN organizations o ON o.id = p.organization_id
		JOIN organization_members m ON m.organization_id = o.id AND m.user_id = $1
		WHERE i.id = $2 AND `+projectVisibleSQL, userID, issueID))
	if err != nil {
		return is, fmt.Errorf("get issue %d: %w", issueID, notFound(err))
	}
	return is, nil
}

// SetIssueStatus sets an issue's status: unresolved, resolved (plainly:
// any newer event reopens it) or ignored.
func (db *DB) SetIssueStatus(ctx context.Context, issueID int64, status string) error {
	switch status {
	case "unresolved", "resolved", "ignored":
	default:
		return fmt.Errorf("status %q is not unresolved, resolved or ignored", status)
	}
	tag, err := db.pool.Exec(ctx, `
		UPDATE issues SET status = $2,
			resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END,
			resolution_type = NULL, resolution_release = ''
		WHERE id = $1`, issueID, status)
	if err != nil {
		return fmt.Errorf("set issue status: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("set issue status: %w", ErrNotFound)
	}
	return nil
}
