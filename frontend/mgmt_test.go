package frontend

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/faultline/faultline/analytics"
	"github.com/faultline/faultline/frontend/issues"
	"github.com/faultline/faultline/frontend/issues/issuestest"
	"github.com/faultline/faultline/metadata"
	"github.com/gofiber/fiber/v2"
)

func TestParseProjectUpdate(t *testing.T) {
	str := func(u metadata.ProjectUpdate) string {
		var parts []string
		add := func(name string, v any) { parts = append(parts, name+"="+strings.Trim(jsonText(v), `"`)) }
		if u.Name != nil {
			add("name", *u.Name)
		}
		if u.Slug != nil {
			add("slug", *u.Slug)
		}
		if u.Platform != nil {
			add("platform", *u.Platform)
		}
		if u.ResolveAgeHours != nil {
			add("resolveAge", *u.ResolveAgeHours)
		}
		if u.SubjectPrefix != nil {
			add("subjectPrefix", *u.SubjectPrefix)
		}
		if u.ScrubData != nil {
			add("scrubData", *u.ScrubData)
		}
		if u.AllowedOrigins != nil {
			add("origins", *u.AllowedOrigins)
		}
		if u.ApdexMillis != nil {
			add("apdex", *u.ApdexMillis)
		}
		return strings.Join(parts, " ")
	}
	for _, tc := range []struct {
		name, body, want, err string
	}{
		{"the top-level settings", `{"name":"Web","slug":"web-2","platform":"go","resolveAge":24,"subjectPrefix":"[web] "}`,
			"name=Web slug=web-2 platform=go resolveAge=24 subjectPrefix=[web] ", ""},
		{"null leaves a setting", `{"name":null,"resolveAge":null}`, "", ""},
		{"unknown fields are ignored", `{"isBookmarked":true,"digestsMinDelay":300}`, "", ""},
		{"Sentry's options", `{"options":{"sentry:resolve_age":12,"sentry:scrub_data":false,"sentry:origins":"a.example\n\nb.example","mail:subject_prefix":"[x]","sentry:token":"t"}}`,
			`resolveAge=12 subjectPrefix=[x] scrubData=false origins=["a.example","b.example"]`, ""},
		{"a top-level setting wins over its option", `{"resolveAge":1,"options":{"sentry:resolve_age":12}}`, "resolveAge=1", ""},
		{"every origin", `{"allowedDomains":["*"]}`, "origins=[]", ""},
		{"dataScrubber is scrubData", `{"dataScrubber":false}`, "scrubData=false", ""},
		{"a name that is not a string", `{"name":12}`, "", "name: must be a string"},
		{"a slug that is not a string", `{"slug":["a"]}`, "", "slug: must be a string"},
		{"resolveAge as text", `{"resolveAge":"24"}`, "", "resolveAge: must be a whole number"},
		{"resolveAge past int64", `{"resolveAge":99999999999999999999}`, "", "resolveAge: "},
		{"resolveAge with a fraction", `{"resolveAge":1.5}`, "", "resolveAge: "},
		{"options that are not an object", `{"options":[1]}`, "", "options: must be an object"},
		{"an ill-typed option", `{"options":{"sentry:resolve_age":"soon"}}`, "", "options.sentry:resolve_age: must be a whole number"},
		{"an ill-typed origins option", `{"options":{"sentry:origins":["a"]}}`, "", "options.sentry:origins: "},
		{"allowedDomains not a list", `{"allowedDomains":"*"}`, "", "allowedDomains: must be a list"},
		{"too many origins", `{"options":{"sentry:origins":"` + strings.Repeat(`a\n`, 1001) + `"}}`, "", "options.sentry:origins: at most 1000"},
		{"an origin too long", `{"allowedDomains":["` + strings.Repeat("a", 501) + `"]}`, "", "allowedDomains: an origin has at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var f bodyFields
			if err := json.Unmarshal([]byte(tc.body), &f); err != nil {
				t.Fatal(err)
			}
			u, err := parseProjectUpdate(f)
			switch {
			case tc.err != "":
				var fe *fiber.Error
				if !asFiberError(err, &fe) || fe.Code != fiber.StatusBadRequest || !strings.HasPrefix(fe.Message, tc.err) {
					t.Errorf("%s: %v, want 400 starting %q", tc.body, err, tc.err)
				}
			case err != nil:
				t.Errorf("%s: %v", tc.body, err)
			case str(u) != tc.want:
				t.Errorf("%s: %s, want %s", tc.body, str(u), tc.want)
			}
		})
	}
}

func asFiberError(err error, fe **fiber.Error) bool {
	e, ok := err.(*fiber.Error)
	*fe = e
	return ok
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// fakeLookup finds events among a detail store's events.
type fakeLookup struct{ store *issuestest.Store }

func (f fakeLookup) EventByID(_ context.Context, projectIDs []uint64, id string) (analytics.EventRow, error) {
	for _, rows := range f.store.Events {
		for _, r := range rows {
			for _, p := range projectIDs {
				if r.ProjectID == p && r.EventID == id {
					return r, nil
				}
			}
		}
	}
	return analytics.EventRow{}, analytics.ErrNoEvent
}

func eventLookupApp(store *issuestest.Store, scopes []string) *fiber.App {
	a := &API{access: fakeAccess{}, lookup: fakeLookup{store}, finder: issues.NewFinder(store, store, store), details: issues.NewDetails(store, store)}
	return testApp(scopes, func(r fiber.Router) {
		r.Get("/projects/:org/:project/events/:event_id/", a.projectEvent)
		r.Get("/organizations/:org/eventids/:event_id/", a.orgEventID)
	})
}

func TestEventLookupHandlers(t *testing.T) {
	for _, tc := range []struct {
		name, path string
		scopes     []string
		status     int
		detail     string
	}{
		{"an id that is too short", "/api/0/projects/acme/web/events/abc/", nil, 400, "event_id: "},
		{"an id that is not hex", "/api/0/organizations/acme/eventids/" + strings.Repeat("z", 32) + "/", nil, 400, "event_id: "},
		{"an unknown event", "/api/0/projects/acme/web/events/" + strings.Repeat("d", 32) + "/", nil, 404, "event not found"},
		{"another project's event", "/api/0/projects/acme/api/events/" + newestEvent + "/", nil, 404, "event not found"},
		{"another organization", "/api/0/organizations/small/eventids/" + newestEvent + "/", nil, 404, "event not found"},
		{"an organization the caller is not in", "/api/0/organizations/nope/eventids/" + newestEvent + "/", nil, 404, "organization not found"},
		{"without event:read", "/api/0/projects/acme/web/events/" + newestEvent + "/", []string{"org:read", "project:read"}, 403, "event:read"},
		{"eventids without event:read", "/api/0/organizations/acme/eventids/" + newestEvent + "/", []string{"org:read"}, 403, "event:read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scopes := tc.scopes
			if scopes == nil {
				scopes = allEventScopes
			}
			got := call(t, eventLookupApp(detailStore(), scopes), "GET", tc.path, "")
			checkRefusal(t, "GET", tc.path, got, tc.status, tc.detail)
		})
	}

	app := eventLookupApp(detailStore(), allEventScopes)
	got := call(t, app, "GET", "/api/0/projects/acme/web/events/"+middleEvent+"/", "")
	var ev struct {
		EventID, GroupID             string
		PreviousEventID, NextEventID *string
		Entries                      []any
	}
	if err := json.Unmarshal([]byte(got.body), &ev); err != nil || got.status != 200 || ev.EventID != middleEvent || ev.GroupID != "1" ||
		ev.PreviousEventID == nil || *ev.PreviousEventID != firstEvent || ev.NextEventID == nil || *ev.NextEventID != newestEvent || ev.Entries == nil {
		t.Errorf("project event: %d %s", got.status, got.body)
	}
	// A UUID with dashes and capitals names the same event.
	dashed := strings.ToUpper(middleEvent[:8] + "-" + middleEvent[8:12] + "-" + middleEvent[12:16] + "-" + middleEvent[16:20] + "-" + middleEvent[20:])
	got = call(t, app, "GET", "/api/0/organizations/acme/eventids/"+dashed+"/", "")
	var found struct {
		OrganizationSlug, ProjectSlug, GroupID, EventID string
		Event                                           struct{ EventID, GroupID string }
	}
	if err := json.Unmarshal([]byte(got.body), &found); err != nil || got.status != 200 || found.OrganizationSlug != "acme" || found.ProjectSlug != "web" ||
		found.GroupID != "1" || found.EventID != middleEvent || found.Event.EventID != middleEvent || found.Event.GroupID != "1" {
		t.Errorf("eventids: %d %s", got.status, got.body)
	}
}

func TestParseKeyUpdate(t *testing.T) {
	app := testApp(nil, func(r fiber.Router) {
		r.Put("/key/", func(c *fiber.Ctx) error {
			u, err := parseKeyUpdate(c)
			if err != nil {
				return err
			}
			out := map[string]any{}
			if u.Label != nil {
				out["name"] = *u.Label
			}
			if u.Active != nil {
				out["active"] = *u.Active
			}
			if u.RateLimit != nil {
				out["count"], out["window"] = *u.RateLimit, u.RateWindow.String()
			}
			return c.JSON(out)
		})
	})
	for _, tc := range []struct{ body, want, err string }{
		{`{"name":"CI","isActive":false,"browserSdkVersion":"7.x"}`, `{"active":false,"name":"CI"}`, ""},
		{`{"rateLimit":{"window":60,"count":100}}`, `{"count":100,"window":"1m0s"}`, ""},
		{`{"rateLimit":null}`, `{"count":0,"window":"0s"}`, ""},
		{`{"rateLimit":{}}`, `{"count":0,"window":"0s"}`, ""},
		{`{}`, `{}`, ""},
		{`{"rateLimit":"60/min"}`, "", "rateLimit: must be an object"},
		{`{"rateLimit":{"window":"60","count":1}}`, "", "rateLimit.window: must be a whole number"},
		{`{"rateLimit":{"window":99999999999999999999,"count":1}}`, "", "rateLimit.window: "},
		{`{"rateLimit":{"window":60,"count":1.5}}`, "", "rateLimit.count: must be a whole number"},
		{`{"rateLimit":{"window":60,"count":-1}}`, "", "rateLimit.count: events per window"},
		{`{"isActive":"yes"}`, "", "isActive: must be true or false"},
		{`{"name":7}`, "", "name: must be a string"},
		{`[1]`, "", "send a JSON object"},
	} {
		got := call(t, app, "PUT", "/api/0/key/", tc.body)
		if tc.err != "" {
			checkRefusal(t, "PUT", tc.body, got, 400, tc.err)
		} else if got.status != 200 || got.body != tc.want {
			t.Errorf("%s: %d %s, want %s", tc.body, got.status, got.body, tc.want)
		}
	}
}
