package metadata

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// MergePlan is a merge about to happen: the issue that stays and the ones
// folded into it, all of one project.
type MergePlan struct {
	ID        int64 // set once the plan is stored (MoveNextMerge)
	ProjectID int64
	Parent    int64
	Children  []int64
}

// PlanMerge picks, among issues of the given projects, the one with the most
// events to keep; the others will be merged into it.
func (db *DB) PlanMerge(ctx context.Context, projectIDs, issueIDs []int64) (MergePlan, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, project_id FROM issues
		WHERE id = ANY($1) AND project_id = ANY($2) AND merged_into IS NULL ORDER BY times_seen DESC, id`, issueIDs, projectIDs)
	if err != nil {
		return MergePlan{}, fmt.Errorf("plan merge: %w", err)
	}
	var plan MergePlan
	for rows.Next() {
		var id, pid int64
		if err := rows.Scan(&id, &pid); err != nil {
			rows.Close()
			return plan, fmt.Errorf("plan merge: %w", err)
		}
		switch {
		case plan.Parent == 0:
			plan.Parent, plan.ProjectID = id, pid
		case pid != plan.ProjectID:
			rows.Close()
			return plan, invalid("only issues of one project can be merged")
		default:
			plan.Children = append(plan.Children, id)
		}
	}
	if err := rows.Err(); err != nil {
		return plan, fmt.Errorf("plan merge: %w", err)
	}
	if len(plan.Children) == 0 {
		return plan, invalid("name at least two issues of one project to merge")
	}
	return plan, nil
}

// Merge folds the plan's children into its parent: counts and seen times
// add up, their feedback moves, and the children are hidden. The plan is
// stored in the same transaction for the job that moves the children's
// events in ClickHouse (MoveNextMerge), so a merge either happens whole,
// events included once the job runs, or not at all.
func (db *DB) Merge(ctx context.Context, plan MergePlan, actorID int64) error {
	err := db.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE issues p SET
				times_seen = p.times_seen + c.n, first_seen = LEAST(p.first_seen, c.f), last_seen = GREATEST(p.last_seen, c.l)
			FROM (SELECT sum(times_seen) AS n, min(first_seen) AS f, max(last_seen) AS l FROM issues WHERE id = ANY($2)) c
			WHERE p.id = $1`, plan.Parent, plan.Children); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE issues SET merged_into = $1, status = 'merged' WHERE id = ANY($2)`, plan.Parent, plan.Children); err != nil {
			return err
		}
		// Issues merged into a child earlier follow it.
		if _, err := tx.Exec(ctx, `UPDATE issues SET merged_into = $1 WHERE merged_into = ANY($2)`, plan.Parent, plan.Children); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE user_feedback SET issue_id = $1 WHERE project_id = $3 AND issue_id = ANY($2)`,
			plan.Parent, plan.Children, plan.ProjectID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO issue_merges (project_id, parent_id, children) VALUES ($1, $2, $3)`,
			plan.ProjectID, plan.Parent, plan.Children); err != nil {
			return err
		}
		return addActivity(ctx, tx, []int64{plan.Parent}, actorID, "merge", map[string]any{"issues": plan.Children})
	})
	if err != nil {
		return fmt.Errorf("merge issues: %w", err)
	}
	return nil
}

// mergeMoverLock is the advisory lock a merge mover holds: one at a time in
// the whole deployment, whatever the number of workers.
const mergeMoverLock = 0x6d65726765 // "merge"

// MoveNextMerge hands the oldest merge whose events are not moved yet to
// move, and marks it moved once move returns nil. It holds a transaction
// and an advisory lock while move runs, so two workers never move at once
// and merges are moved in the order they were made: a merge whose parent
// was merged later must land under that parent before it moves on. found
// is false when nothing is left to move or another worker is moving.
// A crash before the mark leaves the merge pending: move must be safe to
// run again on a merge it has already moved, in part or whole.
func (db *DB) MoveNextMerge(ctx context.Context, move func(context.Context, MergePlan) error) (found bool, err error) {
	err = db.inTx(ctx, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(mergeMoverLock)).Scan(&locked); err != nil || !locked {
			return err
		}
		var plan MergePlan
		err := tx.QueryRow(ctx, `SELECT id, project_id, parent_id, children FROM issue_merges
			WHERE moved_at IS NULL ORDER BY id LIMIT 1`).Scan(&plan.ID, &plan.ProjectID, &plan.Parent, &plan.Children)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := move(ctx, plan); err != nil {
			return fmt.Errorf("merge %d: %w", plan.ID, err)
		}
		found = true
		_, err = tx.Exec(ctx, `UPDATE issue_merges SET moved_at = now() WHERE id = $1`, plan.ID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("move merged events: %w", err)
	}
	return found, nil
}
