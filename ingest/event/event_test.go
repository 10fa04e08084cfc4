package event

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var received = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

func parseFixture(t *testing.T, name string) *Event {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name + ".json")
	if err != nil {
		t.Fatal(err)
	}
	e, err := Parse(b, Meta{Received: received})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}

// The fixtures are events captured from real SDKs.
func TestParseAndGroupSDKEvents(t *testing.T) {
	cases := []struct {
		fixture, title, culprit, level, platform, user string
		exceptions, breadcrumbs                        int
		timestamp                                      string
	}{
		{"go", "*fmt.wrapError: level3 wrap: myErr: disk read failed", "main in main", "error", "go", "id:u-42", 2, 2, "2026-11-21T23:20:08.546114589Z"},
		{"node", "Error: level3 failed", "client in level3", "error", "node", "id:u-7", 2, 1, "2026-11-21T23:20:52.902Z"},
		{"browser", "TypeError: x is undefined", "/srv/app/browser/client.js in inner", "error", "javascript", "", 1, 0, "2026-11-21T23:23:46.835Z"},
		{"python", "RuntimeError: checkout failed", "__main__ in level2", "error", "python", "id:u-9", 2, 1, "2026-11-21T23:23:25.953124Z"},
		{"ruby", "RuntimeError: wrapped failure", "client.rb in rescue in level1", "error", "ruby", "id:u-3", 2, 1, "2026-11-21T23:27:01Z"},
		{"cli", "Hello world from sentry-cli", "", "error", "native", "id:1", 0, 2, "2026-11-21T23:22:31.993487Z"},
	}
	for _, tc := range cases {
		t.Run(tc.fixture, func(t *testing.T) {
			e := parseFixture(t, tc.fixture)
			g := Group(e)
			if g.Title != tc.title || g.Culprit != tc.culprit {
				t.Errorf("title, culprit = %q, %q; want %q, %q", g.Title, g.Culprit, tc.title, tc.culprit)
			}
			if e.Level != tc.level || e.Platform != tc.platform || e.User.Key() != tc.user {
				t.Errorf("level, platform, user = %q, %q, %q; want %q, %q, %q", e.Level, e.Platform, e.User.Key(), tc.level, tc.platform, tc.user)
			}
			if len(e.Exceptions) != tc.exceptions || len(e.Breadcrumbs) != tc.breadcrumbs {
				t.Errorf("%d exceptions, %d breadcrumbs; want %d, %d", len(e.Exceptions), len(e.Breadcrumbs), tc.exceptions, tc.breadcrumbs)
			}
			if got := e.Timestamp.Format(time.RFC3339Nano); got != tc.timestamp {
				t.Errorf("timestamp %s, want %s", got, tc.timestamp)
			}
			if len(g.Fingerprint) != 64 {
				t.Errorf("fingerprint %q is not a hex SHA-256", g.Fingerprint)
			}
			// The normalized form must round-trip: it is what storage keeps.
			b, err := json.Marshal(e)
			if err != nil {
				t.Fatal(err)
			}
			var back Event
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if again := Group(&back); again.Fingerprint != g.Fingerprint || again.Title != g.Title || again.Culprit != g.Culprit {
				t.Errorf("grouping changed after a round trip through JSON: %+v, was %+v", again, g)
			}
		})
	}
}

func exceptionEvent(typ, value, module, function string, inApp bool) string {
	return `{"exception":{"values":[{"type":"` + typ + `","value":"` + value + `","stacktrace":{"frames":[
		{"module":"runtime","function":"main","in_app":false},
		{"module":"` + module + `","function":"` + function + `","in_app":` + map[bool]string{true: "true", false: "false"}[inApp] + `,"lineno":12}]}}]}}`
}

func fingerprint(t *testing.T, payload string) string {
	t.Helper()
	e, err := Parse([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	return Group(e).Fingerprint
}

func TestGrouping(t *testing.T) {
	base := exceptionEvent("ValueError", "bad input 1", "app.views", "checkout", true)
	cases := []struct {
		name  string
		other string
		same  bool
	}{
		{"value differs, frames same", exceptionEvent("ValueError", "bad input 2", "app.views", "checkout", true), true},
		{"type differs", exceptionEvent("KeyError", "bad input 1", "app.views", "checkout", true), false},
		{"in-app function differs", exceptionEvent("ValueError", "bad input 1", "app.views", "pay", true), false},
		{"in-app module differs", exceptionEvent("ValueError", "bad input 1", "app.api", "checkout", true), false},
		{"line number differs", strings.Replace(base, `"lineno":12`, `"lineno":99`, 1), true},
		{"sdk fingerprint", strings.Replace(base, `{"exception"`, `{"fingerprint":["payments"],"exception"`, 1), false},
		{"sdk fingerprint with default", strings.Replace(base, `{"exception"`, `{"fingerprint":["{{ default }}"],"exception"`, 1), true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if same := fingerprint(t, base) == fingerprint(t, tc.other); same != tc.same {
				t.Errorf("same group = %v, want %v", same, tc.same)
			}
		})
	}
	t.Run("no frames: type and value decide", func(t *testing.T) {
		a := fingerprint(t, `{"exception":[{"type":"E","value":"one"}]}`)
		b := fingerprint(t, `{"exception":[{"type":"E","value":"two"}]}`)
		if a == b {
			t.Error("exceptions without frames but with different values share a group")
		}
	})
	t.Run("messages group by message", func(t *testing.T) {
		a := fingerprint(t, `{"message":"disk full"}`)
		b := fingerprint(t, `{"logentry":{"formatted":"disk full"}}`)
		c := fingerprint(t, `{"message":"disk empty"}`)
		if a != b || a == c {
			t.Error("message grouping: same message must group, different must not")
		}
	})
	t.Run("same fingerprint in two SDK fingerprints", func(t *testing.T) {
		a := fingerprint(t, `{"fingerprint":["x"],"message":"one"}`)
		b := fingerprint(t, `{"fingerprint":["x"],"message":"two"}`)
		if a != b {
			t.Error("equal SDK fingerprints must group together")
		}
	})
}

func TestGroupStripsNUL(t *testing.T) {
	e, err := Parse([]byte(`{"exception":[{"type":"Bad\u0000Type","value":"nul \u0000 inside","stacktrace":{"frames":[{"function":"f\u0000n","module":"m"}]}}]}`), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	g := Group(e)
	if strings.ContainsRune(g.Title+g.Culprit+g.Metadata["type"]+g.Metadata["value"], 0) {
		t.Fatalf("grouping keeps NUL bytes: %+v", g)
	}
	if g.Title != "BadType: nul  inside" || g.Culprit != "m in fn" {
		t.Fatalf("title %q, culprit %q", g.Title, g.Culprit)
	}
}

func TestTimestamps(t *testing.T) {
	cases := map[string]string{
		`"2026-11-21T23:20:08Z"`:           "2026-11-21T23:20:08Z",
		`"2026-11-21T23:20:08.5Z"`:         "2026-11-21T23:20:08.5Z",
		`"2026-11-21T23:20:08.123456789Z"`: "2026-11-21T23:20:08.123456789Z",
		`"2026-11-21T23:20:08.123+02:00"`:  "2026-11-21T21:20:08.123Z",
		`"2026-11-21T23:20:08.123456"`:     "2026-11-21T23:20:08.123456Z",
		`1795303252.902`:                   "2026-11-21T23:20:52.902Z",
		`1795303252`:                       "2026-11-21T23:20:52Z",
		`"1795303252.5"`:                   "2026-11-21T23:20:52.5Z",
		`"yesterday"`:                      received.Format(time.RFC3339Nano),
		`null`:                             received.Format(time.RFC3339Nano),
		`-5`:                               received.Format(time.RFC3339Nano),
		`{"not":"a time"}`:                 received.Format(time.RFC3339Nano),
		`"2026-11-21T23:20:08.1234567890123456Z"`: "2026-11-21T23:20:08.123456789Z",
	}
	for raw, want := range cases {
		e, err := Parse([]byte(`{"timestamp":`+raw+`}`), Meta{Received: received})
		if err != nil {
			t.Fatal(err)
		}
		if got := e.Timestamp.Format(time.RFC3339Nano); got != want {
			t.Errorf("timestamp %s → %s, want %s", raw, got, want)
		}
	}
}

func TestLenientShapes(t *testing.T) {
	cases := []struct {
		name, payload string
		check         func(*Event) bool
	}{
		{"exception as bare array", `{"exception":[{"type":"E","value":"v"}]}`, func(e *Event) bool { return len(e.Exceptions) == 1 }},
		{"exception as values object", `{"exception":{"values":[{"type":"E"}]}}`, func(e *Event) bool { return len(e.Exceptions) == 1 }},
		{"exception null", `{"exception":null}`, func(e *Event) bool { return e.Exceptions == nil }},
		{"exception values null", `{"exception":{"values":null}}`, func(e *Event) bool { return e.Exceptions == nil }},
		{"breadcrumbs bare array", `{"breadcrumbs":[{"message":"m","timestamp":1795303252}]}`, func(e *Event) bool { return len(e.Breadcrumbs) == 1 && e.Breadcrumbs[0].Timestamp.Unix() == 1795303252 }},
		{"tags as object", `{"tags":{"a":"1","b":2}}`, func(e *Event) bool { return e.TagValue("a") == "1" && e.TagValue("b") == "2" }},
		{"tags as pairs", `{"tags":[["a","1"],["b","2"]]}`, func(e *Event) bool { return e.TagValue("b") == "2" }},
		{"level warn", `{"level":"warn"}`, func(e *Event) bool { return e.Level == "warning" }},
		{"level unknown", `{"level":"loud"}`, func(e *Event) bool { return e.Level == "error" }},
		{"level missing", `{}`, func(e *Event) bool { return e.Level == "error" && e.Platform == "other" }},
		{"user null", `{"user":null}`, func(e *Event) bool { return e.User == nil }},
		{"numeric user id", `{"user":{"id":42}}`, func(e *Event) bool { return e.User.Key() == "id:42" }},
		{"contexts wrong type", `{"contexts":"nope"}`, func(e *Event) bool { return e.Contexts == nil }},
		{"message object", `{"message":{"formatted":"hi there"}}`, func(e *Event) bool { return e.Message == "hi there" }},
		// A value of the wrong type drops that value only: the decoder
		// must go on with the rest of the event.
		{"user wrong type keeps the rest", `{"user":"x","message":"hi","level":"warn"}`, func(e *Event) bool { return e.User == nil && e.Message == "hi" && e.Level == "warning" }},
		{"stacktrace wrong type keeps the exception", `{"exception":[{"stacktrace":"bad","type":"E","value":"v"}],"message":"m"}`, func(e *Event) bool {
			return len(e.Exceptions) == 1 && e.Exceptions[0].Value == "v" && e.Exceptions[0].Stacktrace == nil && e.Message == "m"
		}},
		{"frames wrong type", `{"exception":[{"stacktrace":{"frames":{"a":1}},"type":"E"}],"message":"m"}`, func(e *Event) bool { return len(e.Exceptions) == 1 && e.Message == "m" }},
		{"breadcrumb of the wrong type", `{"breadcrumbs":[{"message":"a"},5,{"message":"b"}],"level":"info"}`, func(e *Event) bool {
			return len(e.Breadcrumbs) == 3 && e.Breadcrumbs[2].Message == "b" && e.Level == "info"
		}},
		{"pre_context wrong type", `{"exception":{"values":[{"type":"E","stacktrace":{"frames":[{"function":"f","pre_context":"x","lineno":3}]}}]},"release":"r"}`, func(e *Event) bool {
			f := e.Exceptions[0].Stacktrace.Frames[0]
			return f.Function == "f" && f.Lineno == 3 && f.PreContext == nil && e.Release == "r"
		}},
		{"keys match without case, as encoding/json does", `{"Message":"case","LEVEL":"info"}`, func(e *Event) bool { return e.Message == "case" && e.Level == "info" }},
		{"escaped strings", `{"message":"tab\there \"q\" \u00e9 \ud83d\ude00","tags":{"k\u0041":"\ud83d"}}`, func(e *Event) bool {
			return e.Message == "tab\there \"q\" é 😀" && e.TagValue("kA") == "\ufffd"
		}},
		{"event id with dashes", `{"event_id":"0EF7D9CD-86B9-4120-82FE-E68473D5A5D6"}`, func(e *Event) bool { return e.EventID == "0ef7d9cd86b9412082fee68473d5a5d6" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.payload), Meta{Received: received})
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(e) {
				t.Errorf("unexpected result: %+v", e)
			}
		})
	}
	for _, bad := range []string{``, `[1,2]`, `"str"`, `{"unterminated":`} {
		if _, err := Parse([]byte(bad), Meta{Received: received}); err == nil {
			t.Errorf("Parse(%q) succeeded, want an error", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, n := range []string{"go", "node", "python"} {
		b, _ := os.ReadFile("testdata/" + n + ".json")
		f.Add(b)
	}
	f.Add([]byte(`{"exception":{"values":[{"stacktrace":{"frames":[{}]}}]},"tags":[["a"]]}`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		e, err := Parse(payload, Meta{Received: received})
		if err != nil {
			return
		}
		g := Group(e)
		if g.Title == "" || len(g.Fingerprint) != 64 {
			t.Fatalf("grouping = %+v", g)
		}
		if _, err := json.Marshal(e); err != nil {
			t.Fatalf("normalized event does not marshal: %v", err)
		}
	})
}

func BenchmarkParseAndGroup(b *testing.B) {
	payload, err := os.ReadFile("testdata/node.json")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		e, err := Parse(payload, Meta{Received: received})
		if err != nil {
			b.Fatal(err)
		}
		Group(e)
	}
}

func TestParameterizedMessages(t *testing.T) {
	cases := []struct {
		a, b string
		same bool
	}{
		{"user 1234 not found", "user 5678 not found", true},
		{"timeout after 30.5s", "timeout after 45s", true},
		{"connect to 10.0.0.1:5432 failed", "connect to 192.168.7.20:6543 failed", true},
		{"order 0b3e5a1c-9f2d-4c1e-8a7b-6d5e4f3a2b1c missing", "order 7e2f1a0b-1c2d-3e4f-5a6b-7c8d9e0f1a2b missing", true},
		{"mail to jane@example.com bounced", "mail to joe.bloggs@mail.example.org bounced", true},
		{"job at 2026-11-21T23:20:08Z failed", "job at 2026-11-22T01:02:03.456+01:00 failed", true},
		{"pointer 0xdeadbeef freed twice", "pointer 0x7ffe1234 freed twice", true},
		{"cache key 5f4dcc3b5aa765d61d8327deb882cf99 evicted", "cache key e99a18c428cb38d5f260853678922e03 evicted", true},
		{"user 1234 not found", "user 1234 was deleted", false},
		{"cafe closed", "add1 closed", false},
	}
	for _, tc := range cases {
		a := fingerprint(t, `{"message":"`+tc.a+`"}`)
		b := fingerprint(t, `{"message":"`+tc.b+`"}`)
		if (a == b) != tc.same {
			t.Errorf("%q and %q: same group = %v, want %v (%q vs %q)", tc.a, tc.b, a == b, tc.same, parameterize(tc.a), parameterize(tc.b))
		}
	}
}

func TestFrameNoiseIgnored(t *testing.T) {
	jsEvent := func(file, fn string) string {
		return `{"exception":[{"type":"TypeError","value":"x","stacktrace":{"frames":[{"filename":"` + file + `","function":"` + fn + `","in_app":true}]}}]}`
	}
	same := [][2]string{
		{jsEvent("https://cdn.example.com/static/js/main.3f4a5b6c.chunk.js?v=1", "render"), jsEvent("https://other-cdn.example.net/static/js/main.9e8d7c6b.chunk.js", "render")},
		{jsEvent("app.js", "handler at 0x7ffe1234"), jsEvent("app.js", "handler at 0x1234abcd")},
	}
	for _, p := range same {
		if fingerprint(t, p[0]) != fingerprint(t, p[1]) {
			t.Errorf("frames differing only in noise group apart:\n%s\n%s", p[0], p[1])
		}
	}
	if fingerprint(t, jsEvent("app.js", "render")) == fingerprint(t, jsEvent("vendor.js", "render")) {
		t.Error("frames in different files group together")
	}
}

func TestClockCorrection(t *testing.T) {
	const payload = `{"timestamp":"2026-11-22T08:00:00Z","breadcrumbs":[{"timestamp":"2026-11-22T07:59:00Z","message":"m"}]}`
	cases := []struct {
		name   string
		sentAt string
		want   string // event timestamp
		crumb  string
	}{
		{"no sent_at", "", "2026-11-22T08:00:00Z", "2026-11-22T07:59:00Z"},
		{"small drift is network delay", "2026-11-22T09:30:00Z", "2026-11-22T08:00:00Z", "2026-11-22T07:59:00Z"},
		{"client clock two hours slow", "2026-11-22T08:00:05Z", "2026-11-22T09:59:55Z", "2026-11-22T09:58:55Z"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := Meta{Received: received}
			if tc.sentAt != "" {
				m.SentAt, _ = time.Parse(time.RFC3339, tc.sentAt)
			}
			e, err := Parse([]byte(payload), m)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Timestamp.Format(time.RFC3339); got != tc.want {
				t.Errorf("timestamp %s, want %s", got, tc.want)
			}
			if got := e.Breadcrumbs[0].Timestamp.Format(time.RFC3339); got != tc.crumb {
				t.Errorf("breadcrumb %s, want %s", got, tc.crumb)
			}
		})
	}
	for _, ts := range []string{"2026-11-22T10:05:00Z", "2026-09-01T00:00:00Z"} {
		e, _ := Parse([]byte(`{"timestamp":"`+ts+`"}`), Meta{Received: received})
		if !e.Timestamp.Equal(received) {
			t.Errorf("timestamp %s (too far in the future or past) kept as %s", ts, e.Timestamp)
		}
	}
}

func TestAutoIP(t *testing.T) {
	e, _ := Parse([]byte(`{"user":{"id":"1","ip_address":"{{auto}}"}}`), Meta{Received: received, ClientIP: "203.0.113.9"})
	if e.User.IPAddress != "203.0.113.9" {
		t.Errorf("{{auto}} became %q", e.User.IPAddress)
	}
	e, _ = Parse([]byte(`{"user":{"id":"1","ip_address":"198.51.100.1"}}`), Meta{Received: received, ClientIP: "203.0.113.9"})
	if e.User.IPAddress != "198.51.100.1" {
		t.Errorf("an explicit IP became %q", e.User.IPAddress)
	}
}

func TestTrim(t *testing.T) {
	var frames, crumbs []string
	for i := range 400 {
		frames = append(frames, `{"function":"f`+strconv.Itoa(i)+`","in_app":true}`)
		crumbs = append(crumbs, `{"message":"c`+strconv.Itoa(i)+`"}`)
	}
	payload := `{"message":"` + strings.Repeat("m", 20000) + `","breadcrumbs":[` + strings.Join(crumbs, ",") + `],
		"tags":{"k":"` + strings.Repeat("v", 500) + `"},
		"exception":[{"type":"E","value":"` + strings.Repeat("x", 20000) + `","stacktrace":{"frames":[` + strings.Join(frames, ",") + `]}}]}`
	e, err := Parse([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	st := e.Exceptions[0].Stacktrace
	switch {
	case len(e.Message) > maxMessageBytes+3 || len(e.Exceptions[0].Value) > maxValueBytes+3:
		t.Errorf("message %d bytes, value %d bytes", len(e.Message), len(e.Exceptions[0].Value))
	case len(e.Breadcrumbs) != maxBreadcrumbs || e.Breadcrumbs[maxBreadcrumbs-1].Message != "c399":
		t.Errorf("%d breadcrumbs, the newest kept is %q", len(e.Breadcrumbs), e.Breadcrumbs[len(e.Breadcrumbs)-1].Message)
	case len(st.Frames) != maxFrames || st.Frames[0].Function != "f0" || st.Frames[maxFrames-1].Function != "f399":
		t.Errorf("%d frames from %s to %s", len(st.Frames), st.Frames[0].Function, st.Frames[len(st.Frames)-1].Function)
	case len(e.Tags[0].Value) > maxTagValueBytes+3:
		t.Errorf("tag value %d bytes", len(e.Tags[0].Value))
	}
}

// Releases Relay would drop are dropped: they are not names of releases,
// and PostgreSQL could not store some of them.
func TestInvalidReleasesDropped(t *testing.T) {
	cases := map[string]string{
		`"shop@1.2.3+45"`:                    "shop@1.2.3+45",
		`"1.0"`:                              "1.0",
		`"` + strings.Repeat("r", 200) + `"`: strings.Repeat("r", 200),
		`"` + strings.Repeat("r", 201) + `"`: "",
		`"a\u0000b"`:                         "",
		`"line\nbreak"`:                      "",
		`"tab\there"`:                        "",
		`"   "`:                              "",
		`"."`:                                "",
		`".."`:                               "",
		`12`:                                 "12",
	}
	for raw, want := range cases {
		e, err := Parse([]byte(`{"message":"m","release":`+raw+`}`), Meta{Received: received})
		if err != nil {
			t.Fatal(err)
		}
		if e.Release != want {
			t.Errorf("release %s became %q, want %q", raw, e.Release, want)
		}
	}
}

func TestDebugMetaImages(t *testing.T) {
	payload := `{"exception":{"values":[{"type":"E"}]},"debug_meta":{"images":[
		{"type":"sourcemap","debug_id":"c941d872-b1f3-4e0a-9a5b-5d1b2a7ea6e7","code_file":"https://x.example/app.js"},
		{"type":"sourcemap"},
		{"type":"sourcemap","debug_id":7,"code_file":["not a string"]}]}}`
	e, err := Parse([]byte(payload), Meta{Received: received})
	if err != nil {
		t.Fatal(err)
	}
	want := []DebugImage{{Type: "sourcemap", DebugID: "c941d872-b1f3-4e0a-9a5b-5d1b2a7ea6e7", CodeFile: "https://x.example/app.js"},
		{Type: "sourcemap", DebugID: "7"}}
	if e.DebugMeta == nil || !slices.Equal(e.DebugMeta.Images, want) {
		t.Fatalf("debug_meta = %+v, want images %+v", e.DebugMeta, want)
	}
	for _, odd := range []string{`"debug_meta":"x"`, `"debug_meta":{"images":{}}`, `"debug_meta":{"images":[{"type":"sourcemap"}]}`} {
		e, err := Parse([]byte(`{"message":"m",`+odd+`}`), Meta{Received: received})
		if err != nil || e.DebugMeta != nil || e.Message != "m" {
			t.Errorf("%s: debug_meta = %+v, err %v; want nil and the event kept", odd, e.DebugMeta, err)
		}
	}
}
