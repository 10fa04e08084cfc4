package frontend

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/ingest/event"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

// registerShared mounts the public share links of issues: their JSON and
// a page. They need no account, so they come before the authenticating
// group; they only read, so they need no CSRF check either.
func (a *API) registerShared(app *fiber.App) {
	// Sixty lookups a minute per client: enough to read, too few to guess
	// 128-bit ids with, and it bounds the ClickHouse reads a stranger causes.
	a.shares = newThrottle(60, time.Minute, 100_000)
	app.Get("/api/0/shared/issues/:share_id/", a.sharedIssue)
	app.Get("/share/issue/:share_id/", a.sharedIssuePage)
}

// sharedIssueJSON is a public issue: what it is and how often it happens,
// with its latest event scrubbed of what could name a person. Who is
// assigned, who ignored or saw it are left out.
type sharedIssueJSON struct {
	ID          string            `json:"id"`
	ShortID     string            `json:"shortId"`
	Title       string            `json:"title"`
	Culprit     string            `json:"culprit"`
	Level       string            `json:"level"`
	Status      string            `json:"status"`
	Type        string            `json:"type"`
	Metadata    map[string]string `json:"metadata"`
	Project     projectRef        `json:"project"`
	Count       string            `json:"count"`
	UserCount   uint64            `json:"userCount"`
	FirstSeen   string            `json:"firstSeen"`
	LastSeen    string            `json:"lastSeen"`
	IsPublic    bool              `json:"isPublic"`
	ShareID     string            `json:"shareId"`
	LatestEvent *sharedEventJSON  `json:"latestEvent"`
}

// sharedEventJSON is an event for strangers: built from an allowlist, so
// nothing the event carries reaches it unless named here. No user, no
// request, no extra data, contexts, frame variables or breadcrumb data.
type sharedEventJSON struct {
	ID          string      `json:"id"`
	EventID     string      `json:"eventID"`
	Title       string      `json:"title"`
	Message     string      `json:"message"`
	Platform    string      `json:"platform"`
	Level       string      `json:"level"`
	Culprit     string      `json:"culprit"`
	Release     string      `json:"release,omitempty"`
	Environment string      `json:"environment,omitempty"`
	DateCreated string      `json:"dateCreated"`
	Tags        []tagJSON   `json:"tags"`
	Entries     []entryJSON `json:"entries"`
}

type sharedBreadcrumbJSON struct {
	Timestamp string `json:"timestamp"`
	Type      string `json:"type,omitempty"`
	Category  string `json:"category,omitempty"`
	Level     string `json:"level,omitempty"`
	Message   string `json:"message,omitempty"`
}

// personalTagWords mark tags that may name or locate a person; such tags
// are left out of a shared event (a few harmless ones with them too).
var personalTagWords = []string{"user", "ip", "email", "mail", "name", "session", "token", "auth", "cookie",
	"phone", "address", "account", "login", "host", "geo", "city", "country", "id", "url"}

func personalTag(key string) bool {
	k := strings.ToLower(key)
	for _, w := range personalTagWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

func newSharedEventJSON(r analytics.EventRow, is metadata.Issue) (*sharedEventJSON, error) {
	var e event.Event
	if err := json.Unmarshal(r.Payload, &e); err != nil {
		return nil, fmt.Errorf("decode stored event %s: %w", r.EventID, err)
	}
	out := &sharedEventJSON{ID: r.EventID, EventID: r.EventID, Title: r.Title, Message: r.Message, Platform: r.Platform,
		Level: r.Level, Culprit: is.Culprit, Release: r.Release, Environment: r.Environment, DateCreated: isoTime(r.Timestamp),
		Tags: []tagJSON{{"level", r.Level}}, Entries: []entryJSON{}}
	if r.Environment != "" {
		out.Tags = append(out.Tags, tagJSON{"environment", r.Environment})
	}
	if r.Release != "" {
		out.Tags = append(out.Tags, tagJSON{"release", r.Release})
	}
	for i, k := range r.TagKeys {
		if !personalTag(k) {
			out.Tags = append(out.Tags, tagJSON{k, r.TagValues[i]})
		}
	}
	if len(e.Exceptions) > 0 {
		values := make([]exceptionJSON, len(e.Exceptions))
		for i, ex := range e.Exceptions {
			values[i] = exceptionJSON{Type: ex.Type, Value: ex.Value, Module: ex.Module}
			if ex.Stacktrace != nil {
				values[i].Stacktrace = &stacktraceJSON{Frames: framesJSON(ex.Stacktrace.Frames)}
			}
		}
		addSymbolication(r.Payload, values)
		for i := range values {
			// Frame variables and data hold whatever the program held.
			for _, st := range []*stacktraceJSON{values[i].Stacktrace, values[i].RawStacktrace} {
				if st == nil {
					continue
				}
				for j := range st.Frames {
					st.Frames[j].Vars, st.Frames[j].Data = nil, nil
				}
			}
		}
		out.Entries = append(out.Entries, entryJSON{"exception", map[string]any{"values": values, "hasSystemFrames": true}})
	}
	if e.Message != "" {
		out.Entries = append(out.Entries, entryJSON{"message", map[string]string{"formatted": e.Message}})
	}
	if len(e.Breadcrumbs) > 0 {
		crumbs := make([]sharedBreadcrumbJSON, len(e.Breadcrumbs))
		for i, b := range e.Breadcrumbs {
			crumbs[i] = sharedBreadcrumbJSON{Timestamp: isoTime(b.Timestamp), Type: b.Type, Category: b.Category, Level: b.Level, Message: b.Message}
		}
		out.Entries = append(out.Entries, entryJSON{"breadcrumbs", map[string]any{"values": crumbs}})
	}
	return out, nil
}

// validShareID reports whether id could be a share id (NewShareID's 32 hex
// digits), so a malformed one is a 404 without a database read.
func validShareID(id string) bool {
	if len(id) != 32 {
		return false
	}
	_, err := strconv.ParseUint(id[:16], 16, 64)
	_, err2 := strconv.ParseUint(id[16:], 16, 64)
	return err == nil && err2 == nil && strings.ToLower(id) == id
}

// loadShared answers the shared issue a URL names, with its latest event
// scrubbed (nil when it has none stored), after the client's throttle.
func (a *API) loadShared(c *fiber.Ctx) (sharedIssueJSON, error) {
	c.Set(fiber.HeaderCacheControl, "no-cache") // a revoked link must stop working at once
	c.Set("X-Robots-Tag", "noindex, nofollow")
	c.Set("Referrer-Policy", "no-referrer") // the link is the secret: keep it out of Referer
	if _, wait, ok := a.shares.begin(time.Now(), "ip:"+c.IP()); !ok {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(wait.Seconds())+1))
		return sharedIssueJSON{}, fiber.NewError(fiber.StatusTooManyRequests, "too many shared issue lookups from this client; wait and retry")
	}
	id := c.Params("share_id")
	if !validShareID(id) {
		return sharedIssueJSON{}, fiber.NewError(fiber.StatusNotFound, "no issue is shared by this link")
	}
	l, err := a.finder.Shared(c.Context(), id)
	if err != nil {
		return sharedIssueJSON{}, err
	}
	is := l.Issue
	out := sharedIssueJSON{ID: itoa(is.ID), ShortID: newIssueJSON(l, "").ShortID, Title: is.Title, Culprit: is.Culprit,
		Level: is.Level, Status: is.Status, Type: is.Type, Metadata: is.Metadata,
		Project: projectRef{ID: itoa(is.ProjectID), Name: is.ProjectSlug, Slug: is.ProjectSlug},
		Count:   itoa(is.TimesSeen), UserCount: l.Users, FirstSeen: isoTime(is.FirstSeen), LastSeen: isoTime(is.LastSeen),
		IsPublic: true, ShareID: id}
	if out.Metadata == nil {
		out.Metadata = map[string]string{}
	}
	latest, err := a.details.Latest(c.Context(), is)
	var missing *issues.NotFoundError
	switch {
	case errors.As(err, &missing):
		return out, nil
	case err != nil:
		return out, err
	}
	out.LatestEvent, err = newSharedEventJSON(latest.EventRow, is)
	return out, err
}

// sharedIssue answers a public issue's JSON, without login.
func (a *API) sharedIssue(c *fiber.Ctx) error {
	out, err := a.loadShared(c)
	if err != nil {
		return err
	}
	return c.JSON(out)
}
