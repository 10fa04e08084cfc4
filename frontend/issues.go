package frontend

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/search"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// searchWindow is how far back tag, environment and release filters look
// when the request names no period.
const searchWindow = 90 * 24 * time.Hour

// issueFilter turns the request's query, sort, period and paging into a
// filter over the given projects. Conditions on events (tags, environment,
// release, has:) are answered by ClickHouse and become lists of issue ids.
func (a *API) issueFilter(c *fiber.Ctx, orgID int64, projectIDs []int64, pg page) (metadata.IssueFilter, error) {
	now := time.Now().UTC()
	raw := c.Query("query", "is:unresolved")
	q, err := search.Parse(raw, now)
	if err != nil {
		return metadata.IssueFilter{}, fiber.NewError(fiber.StatusBadRequest, "query: "+err.Error())
	}
	f := metadata.IssueFilter{ProjectIDs: projectIDs, Statuses: q.Statuses, Text: q.Text, Sort: c.Query("sort"),
		Limit: pg.limit + 1, Offset: pg.offset}
	f.FirstSeen = [2]time.Time{q.FirstSeen.After, q.FirstSeen.Before}
	f.LastSeen = [2]time.Time{q.LastSeen.After, q.LastSeen.Before}
	since := now.Add(-searchWindow)
	if c.Query("statsPeriod") != "" {
		d, err := a.periodParam(c, "")
		if err != nil {
			return f, err
		}
		since = now.Add(-d)
		if f.LastSeen[0].IsZero() || f.LastSeen[0].Before(since) {
			f.LastSeen[0] = since
		}
	}
	for _, bound := range []struct {
		name string
		dst  *time.Time
	}{{"start", &f.LastSeen[0]}, {"end", &f.LastSeen[1]}} {
		t, ok, err := a.timeParam(c, bound.name, now)
		if err != nil {
			return f, err
		}
		if ok {
			*bound.dst = t
			if bound.name == "start" {
				since = t
			}
		}
	}
	for _, l := range q.Levels {
		if l.Negate {
			f.NotLevels = append(f.NotLevels, l.Value)
		} else {
			f.Levels = append(f.Levels, l.Value)
		}
	}
	for _, who := range q.Assigned {
		switch {
		case who == "me":
			f.AssigneeIDs = append(f.AssigneeIDs, principal(c).UserID)
		case who == "none":
			f.Unassigned = true
		case strings.HasPrefix(who, "#"):
			team, err := a.db.TeamBySlug(c.Context(), orgID, who)
			if errors.Is(err, metadata.ErrNotFound) {
				team.ID = -1 // no such team: no issue matches
			} else if err != nil {
				return f, err
			}
			f.AssigneeTeams = append(f.AssigneeTeams, team.ID)
		default:
			ids, err := a.db.UserIDsByEmail(c.Context(), orgID, []string{who})
			if err != nil {
				return f, err
			}
			if len(ids) == 0 {
				ids = []int64{-1} // nobody: no issue matches
			}
			f.AssigneeIDs = append(f.AssigneeIDs, ids...)
		}
	}
	var positive, negative []analytics.EventTerm
	for _, group := range [][]search.Term{q.Environments, q.Releases, q.Tags} {
		for _, t := range group {
			term := analytics.EventTerm{Key: t.Key, Value: t.Value}
			if t.Negate {
				negative = append(negative, term)
			} else {
				positive = append(positive, term)
			}
		}
	}
	for _, h := range q.Has {
		positive = append(positive, analytics.EventTerm{Key: h})
	}
	pids := make([]uint64, len(projectIDs))
	for i, id := range projectIDs {
		pids[i] = uint64(id)
	}
	if len(positive) > 0 {
		ids, err := a.events.IssuesWithEvents(c.Context(), pids, since, positive)
		if err != nil {
			return f, err
		}
		f.RestrictIDs, f.OnlyIDs = true, toInt64(ids)
	}
	for _, t := range negative {
		ids, err := a.events.IssuesWithEvents(c.Context(), pids, since, []analytics.EventTerm{t})
		if err != nil {
			return f, err
		}
		f.ExcludeIDs = append(f.ExcludeIDs, toInt64(ids)...)
	}
	return f, nil
}

func toInt64(ids []uint64) []int64 {
	out := make([]int64, len(ids))
	for i, id := range ids {
		out[i] = int64(id)
	}
	return out
}

// listIssues answers a search over projects of one organization.
func (a *API) listIssues(c *fiber.Ctx, orgID int64, projects []metadata.Project) error {
	pg, err := parsePage(c)
	if err != nil {
		return err
	}
	ids := make([]int64, len(projects))
	platform := map[int64]string{}
	for i, p := range projects {
		ids[i] = p.ID
		platform[p.ID] = p.Platform
	}
	f, err := a.issueFilter(c, orgID, ids, pg)
	if err != nil {
		return err
	}
	byUsers := f.Sort == "user"
	if byUsers {
		// Users are counted in ClickHouse: sort the most recently seen
		// matches by them here, then page.
		f.Sort, f.Limit, f.Offset = "date", maxUserSorted, 0
	}
	issues, err := a.db.SearchIssues(c.Context(), f)
	if err != nil {
		return err
	}
	users, err := a.userCountsAcross(c, issues)
	if err != nil {
		return err
	}
	if byUsers {
		sort.SliceStable(issues, func(i, j int) bool { return users[uint64(issues[i].ID)] > users[uint64(issues[j].ID)] })
		issues = issues[min(pg.offset, len(issues)):]
		issues = issues[:min(pg.limit+1, len(issues))]
	}
	issues = trimPage(c, pg, issues)
	out := make([]issueJSON, len(issues))
	for i, is := range issues {
		out[i] = newIssueJSON(is, platform[is.ProjectID], users[uint64(is.ID)])
	}
	return c.JSON(out)
}

// maxUserSorted is how many matching issues sort=user ranks.
const maxUserSorted = 1000

// userCountsAcross counts each issue's distinct users, project by project.
func (a *API) userCountsAcross(c *fiber.Ctx, issues []metadata.Issue) (map[uint64]uint64, error) {
	byProject := map[int64][]metadata.Issue{}
	for _, is := range issues {
		byProject[is.ProjectID] = append(byProject[is.ProjectID], is)
	}
	users := map[uint64]uint64{}
	for pid, list := range byProject {
		counts, err := a.userCounts(c.Context(), pid, list)
		if err != nil {
			return nil, err
		}
		for k, v := range counts {
			users[k] = v
		}
	}
	return users, nil
}

func (a *API) orgIssues(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:read")
	if err != nil {
		return err
	}
	return a.listIssues(c, m.OrgID, projects)
}

// orgProjectsAllowing loads the organization in the URL, checks scope and
// returns its projects, or those named by project=.
func (a *API) orgProjectsAllowing(c *fiber.Ctx, scope string) (metadata.Membership, []metadata.Project, error) {
	m, err := a.orgAllowing(c, scope)
	if err != nil {
		return m, nil, err
	}
	projects, err := a.orgProjects(c, m)
	return m, projects, err
}

// orgProjects is the organization's projects, or those named by project=
// (Sentry's project ids; slugs are accepted too, as the dashboard knows
// those).
func (a *API) orgProjects(c *fiber.Ctx, m metadata.Membership) ([]metadata.Project, error) {
	all, err := a.db.ListProjects(c.Context(), m.OrgID)
	if err != nil {
		return nil, err
	}
	wanted := c.Context().QueryArgs().PeekMulti("project")
	if len(wanted) == 0 {
		return all, nil
	}
	var out []metadata.Project
	for _, w := range wanted {
		id, _ := strconv.ParseInt(string(w), 10, 64) // 0, matching no id, for a slug
		for _, p := range all {
			if p.ID == id || p.Slug == string(w) {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		return nil, fiber.NewError(fiber.StatusNotFound, "project not found")
	}
	return out, nil
}

// bulkIDs names the issues of a bulk request: the id= list, or else the
// issues (at most 1000) that the query= selects.
func (a *API) bulkIDs(c *fiber.Ctx, orgID int64, projectIDs []int64) ([]int64, error) {
	if len(c.Context().QueryArgs().PeekMulti("id")) > 0 || c.Query("query") == "" {
		return issueIDs(c)
	}
	f, err := a.issueFilter(c, orgID, projectIDs, page{limit: maxUserSorted - 1})
	if err != nil {
		return nil, err
	}
	issues, err := a.db.SearchIssues(c.Context(), f)
	if err != nil {
		return nil, err
	}
	if len(issues) == 0 {
		return nil, fiber.NewError(fiber.StatusNotFound, "the query selects no issues")
	}
	ids := make([]int64, len(issues))
	for i, is := range issues {
		ids[i] = is.ID
	}
	return ids, nil
}

// issueIDs reads the id= list of a bulk request.
func issueIDs(c *fiber.Ctx) ([]int64, error) {
	var ids []int64
	for _, v := range c.Context().QueryArgs().PeekMulti("id") {
		id, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fiber.NewError(fiber.StatusBadRequest, "id= takes issue ids")
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fiber.NewError(fiber.StatusBadRequest, "name the issues to change with id= (one or more) or select them with query=")
	}
	return ids, nil
}

// bulkUpdate changes the status or assignee of the issues named by id=
// among the given projects. Issues of other projects are left alone.
func (a *API) bulkUpdate(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if err != nil {
		return err
	}
	var body struct {
		Merge         int     `json:"merge"`
		Status        *string `json:"status"`
		AssignedTo    *string `json:"assignedTo"`
		StatusDetails struct {
			IgnoreDuration int64     `json:"ignoreDuration"` // minutes
			IgnoreUntil    time.Time `json:"ignoreUntil"`
			IgnoreCount    int64     `json:"ignoreCount"`
		} `json:"statusDetails"`
	}
	if err := c.BodyParser(&body); err != nil || (body.Status == nil && body.AssignedTo == nil && body.Merge == 0) {
		return fiber.NewError(fiber.StatusBadRequest, "send a JSON body with status, assignedTo or merge")
	}
	if body.Merge != 0 {
		return a.merge(c, projectIDs, ids)
	}
	if body.StatusDetails.IgnoreDuration < 0 || body.StatusDetails.IgnoreCount < 0 {
		return fiber.NewError(fiber.StatusBadRequest, "statusDetails: ignoreDuration and ignoreCount must not be negative")
	}
	u := metadata.IssueUpdate{Status: body.Status, IgnoreFor: time.Duration(body.StatusDetails.IgnoreDuration) * time.Minute,
		IgnoreCount: body.StatusDetails.IgnoreCount}
	if until := body.StatusDetails.IgnoreUntil; !until.IsZero() {
		if u.IgnoreFor = time.Until(until); u.IgnoreFor <= 0 {
			return fiber.NewError(fiber.StatusBadRequest, "statusDetails.ignoreUntil is in the past")
		}
	}
	if body.AssignedTo != nil && strings.HasPrefix(strings.TrimSpace(*body.AssignedTo), "#") {
		team, err := a.db.TeamBySlug(c.Context(), orgID, strings.TrimSpace(*body.AssignedTo))
		if errors.Is(err, metadata.ErrNotFound) {
			return fiber.NewError(fiber.StatusBadRequest, "assignedTo: no team "+*body.AssignedTo+" in this organization")
		}
		if err != nil {
			return err
		}
		u.TeamID = &team.ID
	} else if body.AssignedTo != nil {
		var assignee int64
		if who := strings.TrimSpace(*body.AssignedTo); who != "" {
			users, err := a.db.UserIDsByEmail(c.Context(), orgID, []string{who})
			if err != nil {
				return err
			}
			if len(users) == 0 {
				return fiber.NewError(fiber.StatusBadRequest, "assignedTo: "+who+" is not a member of this organization")
			}
			assignee = users[0]
		}
		u.AssigneeID = &assignee
	}
	n, err := a.db.UpdateIssues(c.Context(), projectIDs, ids, principal(c).UserID, u)
	if err != nil {
		return err
	}
	if n == 0 {
		return fiber.NewError(fiber.StatusNotFound, "no such issues")
	}
	return c.JSON(fiber.Map{"status": body.Status, "assignedTo": body.AssignedTo, "updated": n})
}

func (a *API) bulkDelete(c *fiber.Ctx, orgID int64, projectIDs []int64) error {
	ids, err := a.bulkIDs(c, orgID, projectIDs)
	if err != nil {
		return err
	}
	n, err := a.db.DeleteIssues(c.Context(), projectIDs, ids)
	if err != nil {
		return err
	}
	if n == 0 {
		return fiber.NewError(fiber.StatusNotFound, "no such issues")
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func (a *API) projectIssuesUpdate(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "event:write")
	if err != nil {
		return err
	}
	return a.bulkUpdate(c, p.OrgID, []int64{p.ID})
}

func (a *API) projectIssuesDelete(c *fiber.Ctx) error {
	p, err := a.projectAllowing(c, "event:admin")
	if err != nil {
		return err
	}
	return a.bulkDelete(c, p.OrgID, []int64{p.ID})
}

func (a *API) orgIssuesUpdate(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:write")
	if err != nil {
		return err
	}
	return a.bulkUpdate(c, m.OrgID, projectIDsOf(projects))
}

func (a *API) orgIssuesDelete(c *fiber.Ctx) error {
	m, projects, err := a.orgProjectsAllowing(c, "event:admin")
	if err != nil {
		return err
	}
	return a.bulkDelete(c, m.OrgID, projectIDsOf(projects))
}

func projectIDsOf(ps []metadata.Project) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

type activityJSON struct {
	ID          string         `json:"id"`
	Type        string         `json:"type"`
	User        *string        `json:"user"`
	Data        map[string]any `json:"data"`
	DateCreated string         `json:"dateCreated"`
}

func (a *API) issueActivity(c *fiber.Ctx) error {
	is, err := a.loadIssue(c)
	if err != nil {
		return err
	}
	items, err := a.db.IssueActivity(c.Context(), is.ID)
	if err != nil {
		return err
	}
	out := make([]activityJSON, len(items))
	for i, it := range items {
		out[i] = activityJSON{ID: itoa(it.ID), Type: it.Kind, Data: it.Data, DateCreated: isoTime(it.CreatedAt)}
		if it.UserEmail != "" {
			email := it.UserEmail
			out[i].User = &email
		}
	}
	return c.JSON(out)
}

// merge folds issues of one project into the one with the most events: its
// events are copied to it in ClickHouse, the counts and references move in
// PostgreSQL, then the copied-from rows are deleted.
func (a *API) merge(c *fiber.Ctx, projectIDs, ids []int64) error {
	plan, err := a.db.PlanMerge(c.Context(), projectIDs, ids)
	if err != nil {
		return err
	}
	children := make([]uint64, len(plan.Children))
	for i, id := range plan.Children {
		children[i] = uint64(id)
	}
	if err := a.events.MoveEvents(c.Context(), uint64(plan.ProjectID), children, uint64(plan.Parent)); err != nil {
		return err
	}
	if err := a.db.Merge(c.Context(), plan, principal(c).UserID); err != nil {
		return err
	}
	if err := a.events.DropEvents(c.Context(), uint64(plan.ProjectID), children); err != nil {
		return err
	}
	childIDs := make([]string, len(plan.Children))
	for i, id := range plan.Children {
		childIDs[i] = itoa(id)
	}
	return c.JSON(fiber.Map{"merge": fiber.Map{"parent": itoa(plan.Parent), "children": childIDs}})
}
