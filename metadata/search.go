package metadata

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// IssueFilter selects issues. Zero fields do not filter.
type IssueFilter struct {
	ProjectIDs []int64
	Statuses   []string
	Levels     []string
	NotLevels  []string
	// FirstReleases and NotFirstReleases match the release of an issue's
	// first event.
	FirstReleases    []string
	NotFirstReleases []string
	FirstSeen        [2]time.Time // after, before
	LastSeen         [2]time.Time
	Text             string
	AssigneeIDs      []int64
	AssigneeTeams    []int64
	Unassigned       bool
	OnlyIDs          []int64 // when RestrictIDs, only these issues
	RestrictIDs      bool
	ExcludeIDs       []int64
	// Match, when set, is a condition the issues must also meet: a search
	// with AND, OR and parentheses.
	Match         *IssueCond
	Sort          string // date (default), new, freq
	Limit, Offset int
}

// issueWhere is the WHERE clause a filter makes over issues i, with its
// arguments through arg. It names no other table in the FROM list, so
// the same clause counts issues alone and lists them with their projects.
func issueWhere(f IssueFilter, arg func(any) string) (string, error) {
	var where []string
	// One project, the common list, is an equality: PostgreSQL reads a
	// sorted page from the project's list index only then, where = ANY
	// would have it sort every issue of the project first.
	if len(f.ProjectIDs) == 1 {
		where = append(where, "i.project_id = "+arg(f.ProjectIDs[0]))
	} else {
		where = append(where, "i.project_id = ANY("+arg(f.ProjectIDs)+")")
	}
	where = append(where, "i.merged_into IS NULL")
	if len(f.Statuses) > 0 {
		where = append(where, "i.status = ANY("+arg(f.Statuses)+")")
	}
	if len(f.Levels) > 0 {
		where = append(where, "i.level = ANY("+arg(f.Levels)+")")
	}
	if len(f.NotLevels) > 0 {
		where = append(where, "NOT i.level = ANY("+arg(f.NotLevels)+")")
	}
	if len(f.FirstReleases) > 0 {
		where = append(where, "i.first_release = ANY("+arg(f.FirstReleases)+")")
	}
	if len(f.NotFirstReleases) > 0 {
		where = append(where, "NOT i.first_release = ANY("+arg(f.NotFirstReleases)+")")
	}
	for i, col := range []string{"i.first_seen", "i.last_seen"} {
		r := f.FirstSeen
		if i == 1 {
			r = f.LastSeen
		}
		if !r[0].IsZero() {
			where = append(where, col+" >= "+arg(r[0]))
		}
		if !r[1].IsZero() {
			where = append(where, col+" < "+arg(r[1]))
		}
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		where = append(where, textMatch(t, arg))
	}
	var who []string
	if f.Unassigned {
		who = append(who, "(i.assignee_id IS NULL AND i.assignee_team_id IS NULL)")
	}
	if len(f.AssigneeIDs) > 0 {
		who = append(who, "i.assignee_id = ANY("+arg(f.AssigneeIDs)+")")
	}
	if len(f.AssigneeTeams) > 0 {
		who = append(who, "i.assignee_team_id = ANY("+arg(f.AssigneeTeams)+")")
	}
	if len(who) > 0 {
		where = append(where, "("+strings.Join(who, " OR ")+")")
	}
	if f.RestrictIDs {
		where = append(where, "i.id = ANY("+arg(f.OnlyIDs)+")")
	}
	if len(f.ExcludeIDs) > 0 {
		where = append(where, "NOT i.id = ANY("+arg(f.ExcludeIDs)+")")
	}
	if f.Match != nil {
		sql, err := f.Match.compile(arg)
		if err != nil {
			return "", err
		}
		where = append(where, "("+sql+")")
	}
	return strings.Join(where, " AND "), nil
}

// textMatch is the condition that an issue's title or culprit holds text.
// It reads issue_texts, a copy of the two that changes only when they do,
// whose trigram indexes answer a substring search without reading every
// issue of a project (issues itself changes with every event, and keeping
// trigram indexes on it cost more than the rest of recording a batch).
func textMatch(text string, arg func(any) string) string {
	p := arg("%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(text) + "%")
	return "EXISTS (SELECT 1 FROM issue_texts t WHERE t.issue_id = i.id AND (t.title ILIKE " + p + " OR t.culprit ILIKE " + p + "))"
}

// SearchIssues returns the issues a filter selects, sorted.
func (db *DB) SearchIssues(ctx context.Context, f IssueFilter) ([]Issue, error) {
	q, args, err := searchQuery(f)
	if err != nil {
		return nil, err
	}
	rows, err := db.pool.Query(ctx, q, append([]any{planEachTime}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("search issues: %w", err)
	}
	issues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Issue, error) { return scanIssue(r) })
	if err != nil {
		return nil, fmt.Errorf("search issues: %w", err)
	}
	return issues, nil
}

// planEachTime runs a search as a statement of its own, which PostgreSQL
// plans with its values. A cached statement gets, after five runs, one
// plan for any values, blind to them: the text "bench issue 4242" then
// read every issue of the project instead of the trigram index, and a
// project of 20 issues would be read as one of 100,000.
const planEachTime = pgx.QueryExecModeExec

// searchQuery is the statement SearchIssues runs, with its arguments.
func searchQuery(f IssueFilter) (string, []any, error) {
	var args queryArgs
	where, err := issueWhere(f, args.add)
	if err != nil {
		return "", nil, err
	}
	order := "i.last_seen DESC, i.id DESC"
	switch f.Sort {
	case "", "date":
	case "new":
		order = "i.first_seen DESC, i.id DESC"
	case "freq":
		order = "i.times_seen DESC, i.id DESC"
	default:
		return "", nil, invalid("sort=%s: use date, new, freq or user", f.Sort)
	}
	q := `SELECT ` + issueColumns + `
		FROM issues i JOIN projects p ON p.id = i.project_id JOIN organizations o ON o.id = p.organization_id
		WHERE ` + where + ` ORDER BY ` + order + ` LIMIT ` + args.add(f.Limit) + ` OFFSET ` + args.add(f.Offset)
	return q, args, nil
}

// CountIssues counts the issues a filter selects (its sort and page
// aside), stopping at limit: the list's total stays one index-bounded
// query however many issues a project has. It reads issues alone (an
// index-only scan of the project's list index when the filter is its
// status), not the projects and organizations the list joins.
func (db *DB) CountIssues(ctx context.Context, f IssueFilter, limit int) (int, error) {
	q, args, err := countQuery(f, limit)
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.pool.QueryRow(ctx, q, append([]any{planEachTime}, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count issues: %w", err)
	}
	return n, nil
}

// queryArgs gathers a statement's arguments as it is built.
type queryArgs []any

// add appends v and returns its placeholder.
func (a *queryArgs) add(v any) string {
	*a = append(*a, v)
	return fmt.Sprintf("$%d", len(*a))
}

// countQuery is the statement CountIssues runs, with its arguments.
func countQuery(f IssueFilter, limit int) (string, []any, error) {
	var args queryArgs
	where, err := issueWhere(f, args.add)
	if err != nil {
		return "", nil, err
	}
	return `SELECT count(*) FROM (SELECT 1 FROM issues i WHERE ` + where + ` LIMIT ` + args.add(limit) + `) AS matched`, args, nil
}

// UserIDsByEmail resolves members' emails within an organization.
func (db *DB) UserIDsByEmail(ctx context.Context, orgID int64, emails []string) ([]int64, error) {
	rows, err := db.pool.Query(ctx, `SELECT u.id FROM users u JOIN organization_members m ON m.user_id = u.id
		WHERE m.organization_id = $1 AND lower(u.email) = ANY($2)`, orgID, lowerAll(emails))
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("find users: %w", err)
	}
	return ids, nil
}

func lowerAll(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = strings.ToLower(s)
	}
	return out
}

// IssueUpdate is a bulk change; nil fields stay.
type IssueUpdate struct {
	Status     *string
	AssigneeID *int64 // 0 unassigns
	TeamID     *int64 // assigns to a team instead of a user
	// With Status "ignored": come back after IgnoreFor, or after IgnoreCount
	// more events, whichever comes first; zero means no such condition.
	IgnoreFor   time.Duration
	IgnoreCount int64
	// IgnoreMinutes is IgnoreFor as the client asked it (ignoreDuration),
	// kept to read back; 0 when it asked for a time instead.
	IgnoreMinutes int64
	// IgnoreUntil, when set, is when IgnoreFor ends: the time the caller
	// answers with is then the one stored.
	IgnoreUntil time.Time
	// With Status "resolved": resolved in this release (an event of it or
	// of a newer release reopens the issue; LatestRelease names the latest
	// one now), or in the next release (only an event of a release newer
	// than the latest one now reopens it).
	InRelease     string
	InNextRelease bool
	// The actor's own bookmark and seen mark, and whether the issues are
	// public (shared by an unguessable link).
	Bookmark, Seen, Public *bool
}

// LatestRelease, as IssueUpdate.InRelease, stands for the latest release
// of each issue's project, as Sentry's "latest" does.
const LatestRelease = "latest"

// UpdateIssues applies an update to issues of the given projects, records
// each change in the issues' activity, and reports how many it changed.
func (db *DB) UpdateIssues(ctx context.Context, projectIDs, issueIDs []int64, actorID int64, u IssueUpdate) (int, error) {
	if err := u.check(); err != nil {
		return 0, err
	}
	n := 0
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, project_id, last_release FROM issues
			WHERE id = ANY($1) AND project_id = ANY($2) ORDER BY id FOR UPDATE`, issueIDs, projectIDs)
		if err != nil {
			return err
		}
		issues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (lockedIssue, error) {
			var is lockedIssue
			err := r.Scan(&is.id, &is.projectID, &is.lastRelease)
			return is, err
		})
		if err != nil {
			return err
		}
		n = len(issues)
		ids := make([]int64, n)
		for i, is := range issues {
			ids[i] = is.id
		}
		if u.Status != nil {
			if err := setStatus(ctx, tx, issues, ids, actorID, u); err != nil {
				return err
			}
		}
		if u.AssigneeID != nil || u.TeamID != nil {
			var assignee, team *int64
			if u.AssigneeID != nil && *u.AssigneeID != 0 {
				assignee = u.AssigneeID
			}
			if u.TeamID != nil {
				team = u.TeamID
			}
			if _, err := tx.Exec(ctx, `UPDATE issues SET assignee_id = $2, assignee_team_id = $3 WHERE id = ANY($1)`, ids, assignee, team); err != nil {
				return err
			}
			if err := addActivity(ctx, tx, ids, actorID, "assigned", map[string]any{"assigneeId": assignee, "teamId": team}); err != nil {
				return err
			}
		}
		return applyUserState(ctx, tx, ids, actorID, u)
	})
	if err != nil {
		return 0, fmt.Errorf("update issues: %w", err)
	}
	return n, nil
}

// addActivity logs kind on each issue; actorID 0 means Faultline itself.
func addActivity(ctx context.Context, tx pgx.Tx, issueIDs []int64, actorID int64, kind string, data map[string]any) error {
	b, _ := json.Marshal(data)
	if data == nil {
		b = []byte("{}")
	}
	var actor *int64
	if actorID != 0 {
		actor = &actorID
	}
	_, err := tx.Exec(ctx, `INSERT INTO issue_activity (issue_id, user_id, kind, data) SELECT id, $2, $3, $4 FROM unnest($1::bigint[]) AS id`,
		issueIDs, actor, kind, b)
	return err
}

// DeleteIssues removes issues of the given projects.
func (db *DB) DeleteIssues(ctx context.Context, projectIDs, issueIDs []int64) (int, error) {
	tag, err := db.pool.Exec(ctx, `DELETE FROM issues WHERE id = ANY($1) AND project_id = ANY($2)`, issueIDs, projectIDs)
	if err != nil {
		return 0, fmt.Errorf("delete issues: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// Activity is one entry of an issue's log.
type Activity struct {
	ID        int64
	Kind      string
	UserEmail string
	Data      map[string]any
	CreatedAt time.Time
}

// IssueActivity lists an issue's log, newest first.
func (db *DB) IssueActivity(ctx context.Context, issueID int64) ([]Activity, error) {
	rows, err := db.pool.Query(ctx, `SELECT a.id, a.kind, COALESCE(u.email, ''), a.data, a.created_at
		FROM issue_activity a LEFT JOIN users u ON u.id = a.user_id WHERE a.issue_id = $1 ORDER BY a.id DESC LIMIT 100`, issueID)
	if err != nil {
		return nil, fmt.Errorf("issue activity: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Activity, error) {
		var a Activity
		err := r.Scan(&a.ID, &a.Kind, &a.UserEmail, &a.Data, &a.CreatedAt)
		return a, err
	})
	if err != nil {
		return nil, fmt.Errorf("issue activity: %w", err)
	}
	return out, nil
}
