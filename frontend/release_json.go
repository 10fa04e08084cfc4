package frontend

import (
	"encoding/json"
	"github.com/faultline/faultline/analytics"
	"regexp"
	"strings"
	"time"

	"github.com/faultline/faultline/frontend/releases"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// releaseJSON is a release in Sentry's shape, as sentry-cli reads it.
type releaseJSON struct {
	ID           *int64               `json:"id"` // null for a version only events name
	Version      string               `json:"version"`
	ShortVersion string               `json:"shortVersion"`
	Ref          *string              `json:"ref"`
	URL          *string              `json:"url"`
	DateCreated  string               `json:"dateCreated"`
	DateReleased *string              `json:"dateReleased"`
	FirstEvent   *string              `json:"firstEvent"`
	LastEvent    *string              `json:"lastEvent"`
	NewGroups    int                  `json:"newGroups"`
	CommitCount  int                  `json:"commitCount"`
	DeployCount  int                  `json:"deployCount"`
	LastDeploy   *deployJSON          `json:"lastDeploy"`
	FileCount    int                  `json:"fileCount"`
	Authors      []any                `json:"authors"`
	Projects     []releaseProjectJSON `json:"projects"`
	Status       string               `json:"status"`
	Data         struct{}             `json:"data"`
	LastCommit   *commitJSON          `json:"lastCommit,omitempty"`
	VersionInfo  versionInfoJSON      `json:"versionInfo"`
}

// versionInfoJSON is how Sentry parses a version: "pkg@1.2.3" is package
// pkg, version 1.2.3; a commit SHA is a build hash.
type versionInfoJSON struct {
	Package *string `json:"package"`
	Version struct {
		Raw string `json:"raw"`
	} `json:"version"`
	Description string  `json:"description"`
	BuildHash   *string `json:"buildHash"`
}

func newVersionInfo(v string) versionInfoJSON {
	var out versionInfoJSON
	out.Version.Raw, out.Description = v, shortVersion(v)
	if pkg, after, ok := strings.Cut(v, "@"); ok && pkg != "" && after != "" {
		out.Package, out.Version.Raw = &pkg, after
	}
	if fullSHA.MatchString(out.Version.Raw) {
		hash := out.Version.Raw
		out.BuildHash = &hash
	}
	return out
}

type releaseProjectJSON struct {
	ID       int64  `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Platform string `json:"platform"`
	// HealthData is the release's session health in the project over the
	// last 24 hours; null when its sessions named it in none.
	HealthData *healthDataJSON `json:"healthData"`
}

// healthDataJSON is Sentry's release health summary; shares in percent,
// null when there is nothing to divide.
type healthDataJSON struct {
	HasHealthData     bool     `json:"hasHealthData"`
	CrashFreeSessions *float64 `json:"crashFreeSessions"`
	CrashFreeUsers    *float64 `json:"crashFreeUsers"`
	Adoption          *float64 `json:"adoption"` // of the project's users
	SessionsAdoption  *float64 `json:"sessionsAdoption"`
	TotalSessions     uint64   `json:"totalSessions"`
	TotalUsers        uint64   `json:"totalUsers"`
	SessionsCrashed   uint64   `json:"sessionsCrashed"`
	SessionsErrored   uint64   `json:"sessionsErrored"`
}

func newHealthDataJSON(h analytics.ReleaseHealthData) *healthDataJSON {
	return &healthDataJSON{HasHealthData: h.TotalSessions > 0, CrashFreeSessions: h.CrashFreeSessions, CrashFreeUsers: h.CrashFreeUsers,
		Adoption: h.UsersAdoption, SessionsAdoption: h.SessionsAdoption, TotalSessions: h.TotalSessions, TotalUsers: h.TotalUsers,
		SessionsCrashed: h.SessionsCrashed, SessionsErrored: h.SessionsErrored}
}

type deployJSON struct {
	ID           string  `json:"id"`
	Environment  string  `json:"environment"`
	Name         *string `json:"name"`
	URL          *string `json:"url"`
	DateStarted  *string `json:"dateStarted"`
	DateFinished string  `json:"dateFinished"`
}

type commitJSON struct {
	ID          string      `json:"id"`
	Message     *string     `json:"message"`
	DateCreated *string     `json:"dateCreated"`
	Author      *authorJSON `json:"author"`
	Repository  *struct {
		Name string `json:"name"`
	} `json:"repository"`
}

type authorJSON struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func isoTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := isoTime(*t)
	return &s
}

var fullSHA = regexp.MustCompile(`^[0-9a-fA-F]{40}$`)

// shortVersion drops a "package@" prefix and shortens a commit hash, as
// Sentry shows versions.
func shortVersion(v string) string {
	if _, after, ok := strings.Cut(v, "@"); ok && after != "" {
		v = after
	}
	if fullSHA.MatchString(v) {
		return v[:12]
	}
	return v
}

func newReleaseJSON(v releases.View) releaseJSON {
	out := releaseJSON{Version: v.Version, ShortVersion: shortVersion(v.Version), Ref: nonEmpty(v.Ref), URL: nonEmpty(v.URL),
		DateCreated: isoTime(v.CreatedAt), DateReleased: isoTimePtr(v.DateReleased), FirstEvent: isoTimePtr(v.FirstEvent),
		LastEvent: isoTimePtr(v.LastEvent), NewGroups: v.NewGroups, CommitCount: v.CommitCount, DeployCount: v.DeployCount,
		FileCount: v.FileCount, Authors: []any{}, Projects: []releaseProjectJSON{}, Status: "open",
		VersionInfo: newVersionInfo(v.Version)}
	if v.ID != 0 {
		out.ID = &v.ID
	}
	if v.LastDeploy != nil {
		d := newDeployJSON(*v.LastDeploy)
		out.LastDeploy = &d
	}
	for _, p := range v.Projects {
		pj := releaseProjectJSON{ID: p.ID, Slug: p.Slug, Name: p.Name, Platform: p.Platform}
		if h, ok := v.Health[p.ID]; ok {
			pj.HealthData = newHealthDataJSON(h)
		}
		out.Projects = append(out.Projects, pj)
	}
	return out
}

func newDeployJSON(d metadata.Deploy) deployJSON {
	return deployJSON{ID: itoa(d.ID), Environment: d.Environment, Name: nonEmpty(d.Name), URL: nonEmpty(d.URL),
		DateStarted: isoTimePtr(d.DateStarted), DateFinished: isoTime(d.DateFinished)}
}

func newCommitJSON(c metadata.Commit) commitJSON {
	out := commitJSON{ID: c.ID, Message: nonEmpty(c.Message), DateCreated: isoTimePtr(c.CommittedAt)}
	if c.AuthorName != "" || c.AuthorEmail != "" {
		out.Author = &authorJSON{Name: c.AuthorName, Email: c.AuthorEmail}
	}
	if c.Repository != "" {
		out.Repository = &struct {
			Name string `json:"name"`
		}{c.Repository}
	}
	return out
}

// releaseBody is what creating and changing a release take: Sentry's
// fields, with sentry-cli's refs ({"repository","commit"}) and commits
// ({"id","repository","message","author_name","author_email","timestamp"}).
type releaseBody struct {
	Version      string            `json:"version"`
	Projects     []json.RawMessage `json:"projects"` // slugs, or ids as numbers
	Ref          *string           `json:"ref"`
	URL          *string           `json:"url"`
	DateReleased json.RawMessage   `json:"dateReleased"`
	Status       string            `json:"status"`
	Refs         []struct {
		Repository string `json:"repository"`
		Commit     string `json:"commit"`
	} `json:"refs"`
	Commits []struct {
		ID          string          `json:"id"`
		Repository  string          `json:"repository"`
		Message     string          `json:"message"`
		AuthorName  string          `json:"author_name"`
		AuthorEmail string          `json:"author_email"`
		Timestamp   json.RawMessage `json:"timestamp"`
	} `json:"commits"`
}

// parseJSONTime reads an RFC 3339 time sent as field; null or absent is nil.
func parseJSONTime(field string, raw json.RawMessage) (*time.Time, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return &t, nil
		}
	}
	return nil, fiber.NewError(fiber.StatusBadRequest, field+": send an RFC 3339 time such as 2026-12-01T10:00:00Z, or null")
}

// projectIDs resolves the projects a body names (slugs, or ids as numbers
// or strings) among the organization's.
func projectIDs(raw []json.RawMessage, orgSlug string, all []metadata.Project) ([]int64, error) {
	var out []int64
	for _, r := range raw {
		var name string
		if json.Unmarshal(r, &name) != nil {
			name = string(r) // a number
		}
		i := indexProject(all, name)
		if i < 0 {
			return nil, fiber.NewError(fiber.StatusBadRequest, "projects: "+name+" is not a project of organization "+orgSlug)
		}
		out = append(out, all[i].ID)
	}
	return out, nil
}

func indexProject(all []metadata.Project, name string) int {
	for i, p := range all {
		if p.Slug == name || itoa(p.ID) == name {
			return i
		}
	}
	return -1
}

// commits are the commits a body sets: its commits, else one per ref
// (the head commit; Faultline reads no repositories to fill a range from
// previousCommit, as Sentry reads none of a custom repository), and nil
// when it sets none. refRepositories has checked the refs' repositories.
func (b releaseBody) commits() (*[]metadata.Commit, error) {
	if b.Commits == nil && b.Refs == nil {
		return nil, nil
	}
	out := []metadata.Commit{}
	for i, c := range b.Commits {
		at, err := parseJSONTime("commits["+itoa(int64(i))+"].timestamp", c.Timestamp)
		if err != nil {
			return nil, err
		}
		out = append(out, metadata.Commit{ID: c.ID, Repository: c.Repository, Message: c.Message, AuthorName: c.AuthorName,
			AuthorEmail: c.AuthorEmail, CommittedAt: at})
	}
	if b.Commits == nil {
		for _, r := range b.Refs {
			out = append(out, metadata.Commit{ID: r.Commit, Repository: r.Repository})
		}
	}
	return &out, nil
}

func (b releaseBody) checkStatus() error {
	if b.Status != "" && b.Status != "open" {
		return fiber.NewError(fiber.StatusBadRequest, `status: releases are always "open"; archiving is not supported`)
	}
	return nil
}
