package frontend

import (
	"cmp"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/faultline/faultline/metadata/releaseorder"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

type projectRef struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Slug     string `json:"slug"`
	Platform string `json:"platform,omitempty"`
}

// issueJSON is an issue in Sentry's shape, as the caller sees it.
type issueJSON struct {
	ID            string            `json:"id"`
	ShortID       string            `json:"shortId"`
	Permalink     string            `json:"permalink"` // set by the handler: it knows the server's URL
	Title         string            `json:"title"`
	Culprit       string            `json:"culprit"`
	Level         string            `json:"level"`
	Status        string            `json:"status"`
	Substatus     string            `json:"substatus,omitempty"`
	StatusDetails map[string]any    `json:"statusDetails"`
	Type          string            `json:"type"`
	Metadata      map[string]string `json:"metadata"`
	Platform      string            `json:"platform"`
	Project       projectRef        `json:"project"`
	Count         string            `json:"count"`
	UserCount     uint64            `json:"userCount"`
	FirstSeen     string            `json:"firstSeen"`
	LastSeen      string            `json:"lastSeen"`
	NumComments   int64             `json:"numComments"`
	AssignedTo    *actorJSON        `json:"assignedTo"`
	IsBookmarked  bool              `json:"isBookmarked"`
	IsPublic      bool              `json:"isPublic"`
	ShareID       *string           `json:"shareId"`
	HasSeen       bool              `json:"hasSeen"`
	Annotations   []string          `json:"annotations"`
	// SeenBy is in the single issue's answer only.
	SeenBy *[]seenByJSON `json:"seenBy,omitempty"`
	// FirstRelease and LastRelease are in the single issue's answer only
	// (null when the events named no release), as Sentry's issue page reads
	// them beside first and last seen.
	FirstRelease **releaseRef `json:"firstRelease,omitempty"`
	LastRelease  **releaseRef `json:"lastRelease,omitempty"`
	// Stats is in the list's answer with groupStatsPeriod only:
	// {"24h": [[unix seconds, count], ...]}.
	Stats map[string][][2]int64 `json:"stats,omitempty"`
}

// releaseRef names a release inside another object.
type releaseRef struct {
	Version      string `json:"version"`
	ShortVersion string `json:"shortVersion"`
}

// withReleases adds the issue's first and last releases, for its page.
func (j issueJSON) withReleases(is metadata.Issue) issueJSON {
	ref := func(v string) **releaseRef {
		var r *releaseRef
		if v != "" {
			r = &releaseRef{Version: v, ShortVersion: v}
		}
		return &r
	}
	j.FirstRelease, j.LastRelease = ref(is.FirstRelease), ref(is.LastRelease)
	return j
}

// actorJSON is a user or team as Sentry names who did or holds something.
type actorJSON struct {
	Type  string `json:"type"` // user or team
	ID    string `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

func userActor(p metadata.Person) *actorJSON {
	return &actorJSON{Type: "user", ID: itoa(p.ID), Name: p.Email, Email: p.Email}
}

// seenByJSON is a user who saw an issue, and when last.
type seenByJSON struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Username string `json:"username"`
	LastSeen string `json:"lastSeen"`
}

func newIssueJSON(l issues.Listed, platform string) issueJSON {
	is := l.Issue
	meta := is.Metadata
	if meta == nil {
		meta = map[string]string{}
	}
	substatus := ""
	if is.Status == "unresolved" && is.RegressedAt != nil {
		substatus = "regressed"
	}
	out := issueJSON{
		ID:            itoa(is.ID),
		Substatus:     substatus,
		ShortID:       fmt.Sprintf("%s-%s", strings.ToUpper(is.ProjectSlug), strings.ToUpper(strconv.FormatInt(is.ShortID, 36))),
		Title:         is.Title,
		Culprit:       is.Culprit,
		Level:         is.Level,
		Status:        is.Status,
		StatusDetails: statusDetails(is),
		Type:          is.Type,
		Metadata:      meta,
		Platform:      cmp.Or(platform, "other"), // Sentry's name for an unknown platform
		Project:       projectRef{ID: itoa(is.ProjectID), Name: is.ProjectSlug, Slug: is.ProjectSlug, Platform: platform},
		AssignedTo:    assignee(is),
		Count:         itoa(is.TimesSeen),
		UserCount:     l.Users,
		FirstSeen:     isoTime(is.FirstSeen),
		LastSeen:      isoTime(is.LastSeen),
		NumComments:   is.NumComments,
		IsBookmarked:  l.Bookmarked,
		IsPublic:      is.ShareID != nil,
		ShareID:       is.ShareID,
		HasSeen:       l.Seen,
		Annotations:   []string{},
	}
	if l.SeenBy != nil {
		seen := make([]seenByJSON, len(l.SeenBy))
		for i, s := range l.SeenBy {
			seen[i] = seenByJSON{ID: itoa(s.ID), Name: s.Email, Email: s.Email, Username: s.Email, LastSeen: isoTime(s.LastSeen)}
		}
		out.SeenBy = &seen
	}
	return out
}

// withStats adds the issue's stats over period to its JSON.
func (j issueJSON) withStats(period string, buckets []analytics.Bucket) issueJSON {
	points := make([][2]int64, len(buckets))
	for i, b := range buckets {
		points[i] = [2]int64{b.Start.Unix(), int64(b.Count)}
	}
	j.Stats = map[string][][2]int64{period: points}
	return j
}

// statusDetails qualifies an issue's status as Sentry does: a resolved
// issue's release ({"inRelease": version} or {"inNextRelease": true}), an
// ignored one's conditions (ignoreUntil, ignoreCount, ignoreDuration in
// minutes) and who ignored it (actor); {} otherwise.
func statusDetails(is metadata.Issue) map[string]any {
	out := map[string]any{}
	switch is.Status {
	case "resolved":
		switch is.ResolutionType {
		case releaseorder.InRelease:
			out["inRelease"] = is.ResolutionRelease
		case releaseorder.InNextRelease:
			out["inNextRelease"] = true
		}
	case "ignored":
		if is.IgnoreUntil != nil {
			out["ignoreUntil"] = isoTime(*is.IgnoreUntil)
		}
		if is.IgnoreCount != nil {
			out["ignoreCount"] = *is.IgnoreCount
		}
		if is.IgnoreMinutes != nil {
			out["ignoreDuration"] = *is.IgnoreMinutes
		}
		if is.IgnoredBy != nil {
			out["actor"] = userActor(*is.IgnoredBy)
		}
	}
	return out
}

type tagJSON struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// eventSummaryJSON is an event in a list, in Sentry's shape.
type eventSummaryJSON struct {
	ID          string    `json:"id"`
	EventID     string    `json:"eventID"`
	GroupID     string    `json:"groupID"`
	ProjectID   string    `json:"projectID"`
	Title       string    `json:"title"`
	Message     string    `json:"message"`
	Platform    string    `json:"platform"`
	Level       string    `json:"level"`
	DateCreated string    `json:"dateCreated"`
	Tags        []tagJSON `json:"tags"`
	// User is who the event counts for (the one identifier unique-user
	// counts use), null for none; a full event answers the whole user.
	User *event.User `json:"user"`
	// Culprit and EventType are the issue's (the events of an issue share
	// them); Faultline keeps no crash files and no separate location.
	Culprit   string  `json:"culprit"`
	EventType string  `json:"event.type"`
	Location  *string `json:"location"`
	CrashFile *string `json:"crashFile"`
}

// userOfKey is the user an event's unique-user key names.
func userOfKey(key string) *event.User {
	kind, v, ok := strings.Cut(key, ":")
	if !ok || v == "" {
		return nil
	}
	switch kind {
	case "id":
		return &event.User{ID: v}
	case "email":
		return &event.User{Email: v}
	case "username":
		return &event.User{Username: v}
	case "ip":
		return &event.User{IPAddress: v}
	}
	return nil
}

func newEventSummaryJSON(r analytics.EventRow, is metadata.Issue) eventSummaryJSON {
	tags := make([]tagJSON, 0, len(r.TagKeys)+3)
	tags = append(tags, tagJSON{"level", r.Level})
	if r.Environment != "" {
		tags = append(tags, tagJSON{"environment", r.Environment})
	}
	if r.Release != "" {
		tags = append(tags, tagJSON{"release", r.Release})
	}
	for i, k := range r.TagKeys {
		tags = append(tags, tagJSON{k, r.TagValues[i]})
	}
	return eventSummaryJSON{
		ID: r.EventID, EventID: r.EventID, GroupID: strconv.FormatUint(r.IssueID, 10),
		ProjectID: strconv.FormatUint(r.ProjectID, 10), Title: r.Title, Message: r.Message,
		Platform: r.Platform, Level: r.Level, DateCreated: isoTime(r.Timestamp), Tags: tags, User: userOfKey(r.UserKey),
		Culprit: is.Culprit, EventType: is.Type,
	}
}

// eventJSON is one full event in Sentry's shape: the interfaces
// (exception, breadcrumbs, request, message) as "entries".
type eventJSON struct {
	eventSummaryJSON
	DateReceived    string            `json:"dateReceived"`
	Type            string            `json:"type"`
	Metadata        map[string]string `json:"metadata"`
	Release         string            `json:"release,omitempty"`
	Environment     string            `json:"environment,omitempty"`
	Dist            string            `json:"dist,omitempty"`
	Transaction     string            `json:"transaction,omitempty"`
	Logger          string            `json:"logger,omitempty"`
	ServerName      string            `json:"serverName,omitempty"`
	User            *event.User       `json:"user"`
	Contexts        json.RawMessage   `json:"contexts"`
	SDK             json.RawMessage   `json:"sdk"`
	Extra           json.RawMessage   `json:"context"`
	Fingerprints    []string          `json:"fingerprints"`
	Errors          []any             `json:"errors"` // processing errors: none kept
	Entries         []entryJSON       `json:"entries"`
	PreviousEventID *string           `json:"previousEventID"`
	NextEventID     *string           `json:"nextEventID"`
}

type entryJSON struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

type frameJSON struct {
	Filename string          `json:"filename,omitempty"`
	AbsPath  string          `json:"absPath,omitempty"`
	Module   string          `json:"module,omitempty"`
	Package  string          `json:"package,omitempty"`
	Function string          `json:"function,omitempty"`
	LineNo   *int            `json:"lineNo"`
	ColNo    *int            `json:"colNo"`
	InApp    bool            `json:"inApp"`
	Context  [][2]any        `json:"context"`
	Vars     json.RawMessage `json:"vars,omitempty"`
	Data     json.RawMessage `json:"data,omitempty"`
}

type exceptionJSON struct {
	Type          string          `json:"type"`
	Value         string          `json:"value"`
	Module        string          `json:"module,omitempty"`
	Mechanism     json.RawMessage `json:"mechanism,omitempty"`
	Stacktrace    *stacktraceJSON `json:"stacktrace"`
	RawStacktrace *stacktraceJSON `json:"rawStacktrace"`
}

type stacktraceJSON struct {
	Frames []frameJSON `json:"frames"`
}

func newEventJSON(r analytics.EventRow, is metadata.Issue) (eventJSON, error) {
	var e event.Event
	if err := json.Unmarshal(r.Payload, &e); err != nil {
		return eventJSON{}, fmt.Errorf("decode stored event %s: %w", r.EventID, err)
	}
	out := eventJSON{
		eventSummaryJSON: newEventSummaryJSON(r, is),
		DateReceived:     isoTime(e.Received),
		Type:             is.Type,
		Metadata:         is.Metadata,
		Release:          e.Release,
		Environment:      e.Environment,
		Dist:             e.Dist,
		Transaction:      e.Transaction,
		Logger:           e.Logger,
		ServerName:       e.ServerName,
		User:             e.User,
		Contexts:         orEmpty(e.Contexts),
		SDK:              orEmpty(e.SDK),
		Extra:            orEmpty(e.Extra),
		Fingerprints:     e.Fingerprint,
		Errors:           []any{},
		Entries:          []entryJSON{},
	}
	if out.Fingerprints == nil {
		out.Fingerprints = []string{} // the SDK sent none: grouped by Faultline's own rules
	}
	if len(e.Exceptions) > 0 {
		values := make([]exceptionJSON, len(e.Exceptions))
		for i, ex := range e.Exceptions {
			values[i] = exceptionJSON{Type: ex.Type, Value: ex.Value, Module: ex.Module, Mechanism: ex.Mechanism}
			if ex.Stacktrace != nil {
				values[i].Stacktrace = &stacktraceJSON{Frames: framesJSON(ex.Stacktrace.Frames)}
			}
		}
		addSymbolication(r.Payload, values)
		out.Entries = append(out.Entries, entryJSON{"exception", map[string]any{"values": values, "hasSystemFrames": true}})
	}
	if e.Message != "" {
		out.Entries = append(out.Entries, entryJSON{"message", map[string]string{"formatted": e.Message}})
	}
	if len(e.Breadcrumbs) > 0 {
		out.Entries = append(out.Entries, entryJSON{"breadcrumbs", map[string]any{"values": e.Breadcrumbs}})
	}
	if len(e.Request) > 0 {
		out.Entries = append(out.Entries, entryJSON{"request", e.Request})
	}
	return out, nil
}

func framesJSON(frames []event.Frame) []frameJSON {
	out := make([]frameJSON, len(frames))
	for i, f := range frames {
		fj := frameJSON{Filename: f.Filename, AbsPath: f.AbsPath, Module: f.Module, Package: f.Package,
			Function: f.Function, InApp: f.InApp, Vars: f.Vars, Context: [][2]any{}}
		if f.Lineno > 0 {
			n := f.Lineno
			fj.LineNo = &n
			start := n - len(f.PreContext)
			for j, line := range f.PreContext {
				fj.Context = append(fj.Context, [2]any{start + j, line})
			}
			if f.ContextLine != "" {
				fj.Context = append(fj.Context, [2]any{n, f.ContextLine})
			}
			for j, line := range f.PostContext {
				fj.Context = append(fj.Context, [2]any{n + 1 + j, line})
			}
		}
		if f.Colno > 0 {
			c := f.Colno
			fj.ColNo = &c
		}
		out[i] = fj
	}
	return out
}

func orEmpty(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return json.RawMessage("{}")
	}
	return raw
}

// feedbackJSON is a user report in Sentry's shape.
type feedbackJSON struct {
	ID          string  `json:"id"`
	EventID     string  `json:"eventID"`
	Name        string  `json:"name"`
	Email       string  `json:"email"`
	Comments    string  `json:"comments"`
	DateCreated string  `json:"dateCreated"`
	Issue       *string `json:"issue"`
}

func newFeedbackJSON(f metadata.Feedback) feedbackJSON {
	out := feedbackJSON{ID: itoa(f.ID), EventID: f.EventID, Name: f.Name, Email: f.Email, Comments: f.Comments,
		DateCreated: isoTime(f.CreatedAt)}
	if f.IssueID != 0 {
		id := itoa(f.IssueID)
		out.Issue = &id
	}
	return out
}

// assignee is whom an issue is assigned to, as Sentry's actor: a user
// (named by their email, Faultline keeping no other name) or a team
// (named by its slug); nil when no one.
func assignee(is metadata.Issue) *actorJSON {
	switch {
	case is.Assignee != nil:
		return userActor(metadata.Person{ID: is.AssigneeID, Email: *is.Assignee})
	case is.TeamSlug != nil:
		return &actorJSON{Type: "team", ID: itoa(is.TeamID), Name: *is.TeamSlug}
	}
	return nil
}
