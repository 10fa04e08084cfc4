package metadata

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/faultline/faultline/metadata/releaseorder"
	"github.com/jackc/pgx/v5"
)

// releaseReopened decides which of the batch's issues resolved in a release
// (or in the next release) the batch's fresh events reopen. releases holds
// each issue's distinct non-empty event releases. The issues it reads are
// locked until the transaction ends, so the decision holds when the
// counting statement applies it.
func releaseReopened(ctx context.Context, tx pgx.Tx, projectID int64, releases map[int64][]string) (map[int64]bool, error) {
	if len(releases) == 0 {
		return nil, nil // events without a release reopen no release resolution
	}
	ids := make([]int64, 0, len(releases))
	for id := range releases {
		ids = append(ids, id)
	}
	rows, err := tx.Query(ctx, `SELECT id, resolution_type, resolution_release FROM issues
		WHERE id = ANY($1) AND status = 'resolved' AND resolution_type IS NOT NULL ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("load release resolutions: %w", err)
	}
	type resolution struct {
		id            int64
		kind, release string
	}
	resolved, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (resolution, error) {
		var res resolution
		err := r.Scan(&res.id, &res.kind, &res.release)
		return res, err
	})
	if err != nil {
		return nil, fmt.Errorf("load release resolutions: %w", err)
	}
	if len(resolved) == 0 {
		return nil, nil
	}
	var versions []string
	for _, res := range resolved {
		versions = append(versions, res.release)
		versions = append(versions, releases[res.id]...)
	}
	created, err := releaseTimes(ctx, tx, projectID, versions)
	if err != nil {
		return nil, err
	}
	reopened := map[int64]bool{}
	for _, res := range resolved {
		fixed := releaseorder.Release{Version: res.release, Created: created[res.release]}
		for _, v := range releases[res.id] {
			if releaseorder.Reopens(res.kind, fixed, releaseorder.Release{Version: v, Created: created[v]}) {
				reopened[res.id] = true
				break
			}
		}
	}
	return reopened, nil
}

// releaseTimes is when the releases table created each of versions of the
// project's organization; versions without a row are left out.
func releaseTimes(ctx context.Context, tx pgx.Tx, projectID int64, versions []string) (map[string]time.Time, error) {
	rows, err := tx.Query(ctx, `SELECT version, created_at FROM releases
		WHERE organization_id = (SELECT organization_id FROM projects WHERE id = $1) AND version = ANY($2)`, projectID, versions)
	if err != nil {
		return nil, fmt.Errorf("load release times: %w", err)
	}
	out := map[string]time.Time{}
	var v string
	var t time.Time
	if _, err := pgx.ForEachRow(rows, []any{&v, &t}, func() error { out[v] = t; return nil }); err != nil {
		return nil, fmt.Errorf("load release times: %w", err)
	}
	return out, nil
}

// projectReleases lists, per project, the releases the releases table
// holds for it, most recently created first (the newest 200: enough to
// find the latest, however versions are ordered).
func projectReleases(ctx context.Context, tx pgx.Tx, projectIDs []int64) (map[int64][]releaseorder.Release, error) {
	rows, err := tx.Query(ctx, `SELECT p.id, r.version, r.created_at FROM unnest($1::bigint[]) AS p(id)
		CROSS JOIN LATERAL (SELECT r.version, r.created_at FROM releases r JOIN release_projects rp ON rp.release_id = r.id
			WHERE rp.project_id = p.id ORDER BY r.created_at DESC, r.id DESC LIMIT 200) r`, projectIDs)
	if err != nil {
		return nil, fmt.Errorf("load project releases: %w", err)
	}
	out := map[int64][]releaseorder.Release{}
	var pid int64
	var r releaseorder.Release
	if _, err := pgx.ForEachRow(rows, []any{&pid, &r.Version, &r.Created}, func() error {
		out[pid] = append(out[pid], r)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("load project releases: %w", err)
	}
	return out, nil
}

// lockedIssue is an issue an update has locked: its project and the
// release of its newest event.
type lockedIssue struct {
	id, projectID int64
	lastRelease   string
}

// latestReleases is, for each issue, the release that is the latest now:
// the newest of its project's releases, or the release of its newest event
// when that is newer or the project has none. "" when neither is known.
func latestReleases(ctx context.Context, tx pgx.Tx, issues []lockedIssue) ([]string, error) {
	if len(issues) == 0 {
		return nil, nil
	}
	var projectIDs []int64
	var seen []string
	for _, is := range issues {
		if !slices.Contains(projectIDs, is.projectID) {
			projectIDs = append(projectIDs, is.projectID)
		}
		seen = append(seen, is.lastRelease)
	}
	byProject, err := projectReleases(ctx, tx, projectIDs)
	if err != nil {
		return nil, err
	}
	created, err := releaseTimes(ctx, tx, issues[0].projectID, seen)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(issues))
	for i, is := range issues {
		candidates := byProject[is.projectID]
		if is.lastRelease != "" {
			candidates = append(candidates[:len(candidates):len(candidates)],
				releaseorder.Release{Version: is.lastRelease, Created: created[is.lastRelease]})
		}
		out[i] = releaseorder.Latest(candidates).Version
	}
	return out, nil
}

// check refuses an update that cannot be carried out.
func (u IssueUpdate) check() error {
	if u.Status != nil {
		switch *u.Status {
		case "unresolved", "resolved", "ignored":
		default:
			return invalid("status %q: use resolved, unresolved or ignored", *u.Status)
		}
	}
	resolved := u.Status != nil && *u.Status == "resolved"
	switch {
	case (u.InRelease != "" || u.InNextRelease) && !resolved:
		return invalid("statusDetails.inRelease and inNextRelease go with status resolved")
	case u.InRelease != "" && u.InNextRelease:
		return invalid("statusDetails: inRelease or inNextRelease, not both")
	case u.InRelease != "" && strings.TrimSpace(u.InRelease) == "":
		return invalid("statusDetails.inRelease: a release version is not blank")
	case u.InRelease != "" && u.InRelease != LatestRelease:
		// As the releases API refuses them: such a version names no release.
		if err := ValidReleaseVersion(u.InRelease); err != nil {
			return invalid("statusDetails.inRelease: %v", err)
		}
	}
	return nil
}

// setStatus applies the update's status to the locked issues and logs it
// in their activity as Sentry does: set_resolved_in_release (with the
// version, "" for the next release), set_resolved, set_unresolved or
// set_ignored.
func setStatus(ctx context.Context, tx pgx.Tx, issues []lockedIssue, ids []int64, actorID int64, u IssueUpdate) error {
	var until *time.Time
	var count *int64
	if *u.Status == "ignored" && u.IgnoreFor > 0 {
		t := time.Now().Add(u.IgnoreFor)
		if !u.IgnoreUntil.IsZero() {
			t = u.IgnoreUntil
		}
		until = &t
	}
	if *u.Status == "ignored" && u.IgnoreCount > 0 {
		count = &u.IgnoreCount
	}
	var kind *string
	releases := make([]string, len(ids))
	switch {
	case u.InRelease == LatestRelease:
		kind = ptrTo(releaseorder.InRelease)
		latest, err := latestReleases(ctx, tx, issues)
		if err != nil {
			return err
		}
		for i, v := range latest {
			if v == "" {
				return invalid("statusDetails.inRelease: no release of issue %d's project is known yet; resolve it in the next release instead", ids[i])
			}
		}
		copy(releases, latest)
	case u.InRelease != "":
		kind = ptrTo(releaseorder.InRelease)
		for i := range releases {
			releases[i] = u.InRelease
		}
	case u.InNextRelease:
		kind = ptrTo(releaseorder.InNextRelease)
		latest, err := latestReleases(ctx, tx, issues)
		if err != nil {
			return err
		}
		copy(releases, latest)
	}
	// What the ignore was asked as is kept beside when it ends, so the
	// issue reads back as it was sent.
	var minutes, ignoredBy *int64
	if *u.Status == "ignored" {
		if u.IgnoreMinutes > 0 {
			minutes = &u.IgnoreMinutes
		}
		if actorID != 0 {
			ignoredBy = &actorID
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE issues SET status = $2,
		resolved_at = CASE WHEN $2 = 'resolved' THEN now() ELSE NULL END,
		ignore_until = $3, ignore_until_seen = times_seen + $4,
		ignore_count = $4, ignore_minutes = $7, ignored_by = $8,
		resolution_type = $5, resolution_release = u.rel
		FROM unnest($1::bigint[], $6::text[]) AS u(id, rel) WHERE issues.id = u.id`,
		ids, *u.Status, until, count, kind, releases, minutes, ignoredBy); err != nil {
		return err
	}
	if kind == nil {
		return addActivity(ctx, tx, ids, actorID, "set_"+*u.Status, nil)
	}
	// The version fixed in, "" for the next release (not known yet).
	byVersion := map[string][]int64{}
	for i, id := range ids {
		v := releases[i]
		if *kind == releaseorder.InNextRelease {
			v = ""
		}
		byVersion[v] = append(byVersion[v], id)
	}
	for v, group := range byVersion {
		if err := addActivity(ctx, tx, group, actorID, "set_resolved_in_release", map[string]any{"version": v}); err != nil {
			return err
		}
	}
	return nil
}

func ptrTo[T any](v T) *T { return &v }
