package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faultline/faultline/metadata/metadatatest"
)

// A kind is a JSON type as Sentry's API reference gives a field's:
// "string", "id" (a decimal number sent as a string, as every Sentry id
// is), "time" (an ISO 8601 string), "number", "bool", "object", "array",
// "null", or several joined by "|" ("time|null").
type kind string

const (
	kString kind = "string"
	kID     kind = "id"
	kTime   kind = "time"
	kNumber kind = "number"
	kBool   kind = "bool"
	kObject kind = "object"
	kArray  kind = "array"
)

// apiRow is one request with the shape Sentry's API documentation gives
// it, and what the answer must hold. {name} placeholders in path and body
// are filled from the rows before (see save) and the fixture.
type apiRow struct {
	method, path, body string
	status             int
	// list says the answer is an array; fields then describe its first
	// element, and the array must not be empty.
	list bool
	// fields maps a dotted path ("user.email", "topValues.0.count") to
	// the kind its value must have; the field must be present.
	fields map[string]kind
	// save keeps a field of the answer (of its first element for a list)
	// as a placeholder for later rows: {"issue": "id"}.
	save map[string]string
	// check, when set, asserts on values of the answer (the whole
	// document, a list included) beyond their kinds.
	check func(t *testing.T, doc any)
	// session sends the request from a logged-in dashboard session instead
	// of with the token (for routes no token may use).
	session bool
}

// TestSentryAPIShapes drives Faultline's /api/0/ routes with the request
// bodies Sentry's API reference documents and checks each answer's status,
// and the presence and JSON type of the fields its clients read: string
// ids, numeric counts, ISO times, booleans, nested objects. One server, one
// organization with a few real events; rows run in order, and a row's
// saved fields feed the next ones.
func TestSentryAPIShapes(t *testing.T) {
	srv := testServer(t)
	proj := metadatatest.Project(t, srv.db, testSecret)
	api := apiClient{t: t, base: "http://" + srv.addr, token: proj.Token}
	var me struct {
		User struct{ Email string } `json:"user"`
	}
	if code := api.get("/api/0/", &me); code != http.StatusOK {
		t.Fatalf("GET /api/0/: %d", code)
	}
	b := newBrowser(t, srv)
	if resp, body := b.do("POST", "/api/0/auth/login/", `{"email":"`+me.User.Email+`","password":"test-password"}`, nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	for _, msg := range []string{"table row failed", "table row failed again"} {
		event := fmt.Sprintf(`{"event_id":"%s","level":"error","platform":"python","release":"table@1.0.0","environment":"production",`+
			`"tags":{"region":"eu"},"user":{"id":"u1","email":"u1@example.com"},"message":%q,`+
			`"exception":{"values":[{"type":"ValueError","value":"table row failed","stacktrace":{"frames":[{"filename":"app.py","function":"main","lineno":3,"in_app":true}]}}]}}`,
			newEventID(), msg)
		if resp, body := postEnvelope(t, srv.addr, proj.ProjectID, proj.PublicKey, "{}\n{\"type\":\"event\"}\n"+event, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("post event: %d %s", resp.StatusCode, body)
		}
	}
	waitForCount(t, api, proj.Organization, proj.Project, 2)

	vars := map[string]string{
		"org": proj.Organization, "project": proj.Project, "projectID": strconv.FormatInt(proj.ProjectID, 10),
		"email": me.User.Email, "now": time.Now().UTC().Format(time.RFC3339),
	}
	for i, row := range sentryAPIRows() {
		path, body := fill(row.path, vars), fill(row.body, vars)
		name := fmt.Sprintf("%02d %s %s", i, row.method, row.path)
		ok := t.Run(name, func(t *testing.T) {
			var code int
			var raw []byte
			if row.session {
				headers := b.csrf()
				headers["Content-Type"] = "application/json"
				resp, text := b.do(row.method, path, body, headers)
				code, raw = resp.StatusCode, []byte(text)
			} else {
				code, raw = api.on(t).send(row.method, path, body)
			}
			if code != row.status {
				t.Fatalf("%s %s: %d, want %d: %.600s", row.method, path, code, row.status, raw)
			}
			if len(row.fields) == 0 && len(row.save) == 0 {
				return
			}
			var doc any
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatalf("%s %s: not JSON (%v): %.300s", row.method, path, err, raw)
			}
			if row.check != nil {
				row.check(t, doc)
			}
			if row.list {
				items, isList := doc.([]any)
				if !isList || len(items) == 0 {
					t.Fatalf("%s %s: want a non-empty array, got %.300s", row.method, path, raw)
				}
				doc = items[0]
			}
			var wrong []string
			for field, want := range row.fields {
				v, found := lookup(doc, field)
				if !found {
					wrong = append(wrong, field+" missing")
				} else if got := kindOf(v); !want.allows(got, v) {
					wrong = append(wrong, fmt.Sprintf("%s is %s (%v), want %s", field, got, v, want))
				}
			}
			if len(wrong) > 0 {
				slices.Sort(wrong)
				t.Errorf("%s %s:\n  %s\nin %.500s", row.method, path, strings.Join(wrong, "\n  "), raw)
			}
			for as, field := range row.save {
				v, found := lookup(doc, field)
				if !found {
					t.Fatalf("%s: no %q to keep as {%s}", path, field, as)
				}
				vars[as] = fmt.Sprint(v)
			}
		})
		if !ok && len(row.save) > 0 {
			t.Fatalf("later rows need what row %q saves", name)
		}
	}
}

// send sends a JSON request with the token and returns the status and body.
func (c apiClient) send(method, path, body string) (int, []byte) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return resp.StatusCode, raw
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z0-9]+\}`)

// fill replaces each known {name} of s; unknown ones stay, so a JSON body's
// braces are left alone.
func fill(s string, vars map[string]string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		if v, ok := vars[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

// lookup follows a dotted path through objects and arrays; a key with a
// dot of its own ("event.type", "count()") matches before its parts do.
func lookup(doc any, path string) (any, bool) {
	parts := strings.Split(path, ".")
	switch node := doc.(type) {
	case map[string]any:
		for n := len(parts); n > 0; n-- {
			if v, ok := node[strings.Join(parts[:n], ".")]; ok {
				if n == len(parts) {
					return v, true
				}
				if found, ok := lookup(v, strings.Join(parts[n:], ".")); ok {
					return found, true
				}
			}
		}
	case []any:
		if i, err := strconv.Atoi(parts[0]); err == nil && i >= 0 && i < len(node) {
			if len(parts) == 1 {
				return node[i], true
			}
			return lookup(node[i], strings.Join(parts[1:], "."))
		}
	}
	return nil, false
}

// kindOf names the JSON type of a decoded value.
func kindOf(v any) kind {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return kString
	case float64:
		return kNumber
	case bool:
		return kBool
	case map[string]any:
		return kObject
	case []any:
		return kArray
	}
	return "unknown"
}

var decimal = regexp.MustCompile(`^[0-9]+$`)

// allows reports whether a value of JSON type got (v itself, for the
// string kinds) is one of the kinds k names.
func (k kind) allows(got kind, v any) bool {
	for _, want := range strings.Split(string(k), "|") {
		switch kind(want) {
		case got:
			return true
		case kID:
			if s, ok := v.(string); ok && decimal.MatchString(s) {
				return true
			}
		case kTime:
			if s, ok := v.(string); ok {
				if _, err := time.Parse(time.RFC3339Nano, s); err == nil {
					return true
				}
			}
		}
	}
	return false
}
